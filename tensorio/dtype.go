package tensorio

import (
	"encoding/binary"
	"math"
)

// dtype is an element type that can be converted to float32.
type dtype int

const (
	dtInvalid dtype = iota
	dtF16
	dtBF16
	dtF32
	dtF64
	dtI8
	dtI16
	dtI32
	dtI64
	dtU8
	dtU16
	dtU32
	dtU64
	dtBool
)

var dtypeNames = [...]string{
	dtInvalid: "invalid",
	dtF16:     "float16",
	dtBF16:    "bfloat16",
	dtF32:     "float32",
	dtF64:     "float64",
	dtI8:      "int8",
	dtI16:     "int16",
	dtI32:     "int32",
	dtI64:     "int64",
	dtU8:      "uint8",
	dtU16:     "uint16",
	dtU32:     "uint32",
	dtU64:     "uint64",
	dtBool:    "bool",
}

func (d dtype) String() string {
	if d < 0 || int(d) >= len(dtypeNames) {
		return "invalid"
	}
	return dtypeNames[d]
}

// size returns the element size in bytes.
func (d dtype) size() int {
	switch d {
	case dtI8, dtU8, dtBool:
		return 1
	case dtF16, dtBF16, dtI16, dtU16:
		return 2
	case dtF32, dtI32, dtU32:
		return 4
	case dtF64, dtI64, dtU64:
		return 8
	}
	return 0
}

// at decodes element i of src (a packed array of d in byte order bo).
// The caller guarantees that (i+1)*d.size() <= len(src).
func (d dtype) at(src []byte, i int, bo binary.ByteOrder) float32 {
	switch d {
	case dtF16:
		return halfToFloat32(bo.Uint16(src[2*i:]))
	case dtBF16:
		return bf16ToFloat32(bo.Uint16(src[2*i:]))
	case dtF32:
		return math.Float32frombits(bo.Uint32(src[4*i:]))
	case dtF64:
		return float32(math.Float64frombits(bo.Uint64(src[8*i:])))
	case dtI8:
		return float32(int8(src[i]))
	case dtI16:
		return float32(int16(bo.Uint16(src[2*i:])))
	case dtI32:
		return float32(int32(bo.Uint32(src[4*i:])))
	case dtI64:
		return float32(int64(bo.Uint64(src[8*i:])))
	case dtU8:
		return float32(src[i])
	case dtU16:
		return float32(bo.Uint16(src[2*i:]))
	case dtU32:
		return float32(bo.Uint32(src[4*i:]))
	case dtU64:
		return float32(bo.Uint64(src[8*i:]))
	case dtBool:
		if src[i] != 0 {
			return 1
		}
		return 0
	}
	return 0
}

// decode converts len(dst) packed elements from src into dst.
// The caller guarantees len(src) >= len(dst)*d.size().
func (d dtype) decode(dst []float32, src []byte, bo binary.ByteOrder) {
	if d == dtF32 && bo == binary.LittleEndian {
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
		return
	}
	for i := range dst {
		dst[i] = d.at(src, i, bo)
	}
}
