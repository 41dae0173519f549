package kernels

// The amd64 assembly and the Go declarations of its functions are
// generated with avo by commands in modules of their own (so that avo stays
// out of fnlab's build): -out names the assembly, -stubs the Go file.
// asmgen also writes the switches that call a GEMM kernel by tile shape.

//go:generate go run -C internal/asmgen . -out ../../gemm_amd64.s -stubs ../../gemm_stubs_amd64.go
//go:generate go run -C internal/dwgen . -out ../../depthwise_amd64.s -stubs ../../depthwise_amd64.go -pkg kernels
