package kernels

// Act is an element-wise activation applied in a kernel's epilogue.
type Act uint8

const (
	ActNone Act = iota
	ActReLU
	ActGELU // exact: 0.5*x*(1+erf(x/sqrt(2)))
)

func (a Act) String() string {
	switch a {
	case ActReLU:
		return "relu"
	case ActGELU:
		return "gelu"
	}
	return "none"
}

// Epilogue is applied to each output element after accumulation:
// v = act(acc + Bias[j]) + Residual[i*LdR+j]. Nil slices are skipped.
type Epilogue struct {
	Bias     []float32 // length >= n, or nil
	Act      Act
	Residual []float32 // row-major with stride LdR, or nil
	LdR      int
}

// Src is one source of GEMM A: m rows of K consecutive floats, rows LdA
// apart. Several sources concatenate along K.
type Src struct {
	A   []float32
	LdA int
	K   int
}
