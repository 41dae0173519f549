// Package specs embeds fnlab's preset and ablation specs, so that
// `fnlab analyze t0` works from any directory.
package specs

import "embed"

// FS holds every *.yaml file of this directory.
//
//go:embed *.yaml
var FS embed.FS
