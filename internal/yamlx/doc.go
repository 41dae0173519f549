// Package yamlx decodes typed scalars from yaml.v3 nodes with one-line
// errors that name the place and the key path: "file:line: key.path:
// expected X, found Y". Spec files (package arch) and search spaces
// (package search) share it, so both read numbers, booleans and enums
// alike and word their errors alike.
//
// A Decoder locates a node by its line in File, unless Origin names the
// node (arch marks the nodes that came from an override there).
// Integers accept YAML's underscores and hex and an integral float such as
// 4.0 (configs written by Python); floats must be finite; booleans accept
// true/yes/on and false/no/off in any case.
//
// A Loader reads a document named either by an embedded name (a preset,
// an embedded search space) or by a path (IsPath: a separator or a .yaml
// or .yml suffix); files go through inputfile, so a pipe or a device is
// refused and the size is capped. A name that is not embedded is read as
// a file if one of that name exists.
package yamlx
