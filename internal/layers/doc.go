// Package layers holds no code: its test keeps fnlab's import rules, the
// table of docs/architecture.md, true. Each package may import only the
// fnlab packages listed for it there; kernels imports none, arch knows
// no kernels, and no library imports cmd, tui or the chart packages
// above it.
package layers
