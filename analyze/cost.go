package analyze

// Cost is what one layer, module or model costs for one forward pass.
// MACs and FLOPs are separate fields and never stand in for each other.
type Cost struct {
	Params       int64 `json:"params"`        // trainable parameters
	MACs         int64 `json:"macs"`          // multiply-adds of conv and linear layers (the paper's "FLOPs")
	FLOPs        int64 `json:"flops"`         // floating-point operations: 2 per MAC plus element-wise work
	FvcoreFLOPs  int64 `json:"fvcore_flops"`  // fvcore's count under the chosen BatchNorm mode
	Activations  int64 `json:"activations"`   // fvcore's: output elements of conv and linear layers
	BytesRead    int64 `json:"bytes_read"`    // inputs and weights read, float32
	BytesWritten int64 `json:"bytes_written"` // outputs written, float32
}

// Add returns c + o, field by field.
func (c Cost) Add(o Cost) Cost {
	return Cost{
		Params:       c.Params + o.Params,
		MACs:         c.MACs + o.MACs,
		FLOPs:        c.FLOPs + o.FLOPs,
		FvcoreFLOPs:  c.FvcoreFLOPs + o.FvcoreFLOPs,
		Activations:  c.Activations + o.Activations,
		BytesRead:    c.BytesRead + o.BytesRead,
		BytesWritten: c.BytesWritten + o.BytesWritten,
	}
}

// Sub returns c - o, field by field.
func (c Cost) Sub(o Cost) Cost {
	return Cost{
		Params:       c.Params - o.Params,
		MACs:         c.MACs - o.MACs,
		FLOPs:        c.FLOPs - o.FLOPs,
		FvcoreFLOPs:  c.FvcoreFLOPs - o.FvcoreFLOPs,
		Activations:  c.Activations - o.Activations,
		BytesRead:    c.BytesRead - o.BytesRead,
		BytesWritten: c.BytesWritten - o.BytesWritten,
	}
}

// Bytes is the memory traffic: bytes read plus bytes written.
func (c Cost) Bytes() int64 { return c.BytesRead + c.BytesWritten }

// Intensity is the arithmetic intensity, FLOPs per byte moved (0 when
// nothing moves).
func (c Cost) Intensity() float64 {
	if c.Bytes() == 0 {
		return 0
	}
	return float64(c.FLOPs) / float64(c.Bytes())
}
