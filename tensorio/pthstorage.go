package tensorio

import (
	"archive/zip"
	"fmt"
	"io"
)

// maxBroadcastElements bounds tensors that have more elements than their
// storage (views with zero strides, e.g. from expand()), so that a tiny
// file cannot ask for gigabytes of output.
const maxBroadcastElements = 1 << 24

// intsOf reads a pickled tuple or list of ints (a shape, a stride).
func intsOf(v any, what string) ([]int, error) {
	var vals []any
	switch x := v.(type) {
	case *pkTuple:
		vals = x.items
	case *pkList:
		vals = x.items
	default:
		return nil, fmt.Errorf("%s is %s, expected a tuple of ints", what, describe(v))
	}
	if len(vals) > 64 {
		return nil, fmt.Errorf("%s has %d dimensions, more than 64", what, len(vals))
	}
	out := make([]int, len(vals))
	for i, e := range vals {
		n, ok := e.(int)
		if !ok || n < 0 {
			return nil, fmt.Errorf("%s has entry %v, expected a non-negative int", what, e)
		}
		out[i] = n
	}
	return out, nil
}

// materialize validates a tensor's view of its storage and copies it out
// as contiguous float32.
func (ck *checkpoint) materialize(t *ptTensor) (*Tensor, error) {
	offset, ok := t.offset.(int)
	if !ok || offset < 0 {
		return nil, fmt.Errorf("storage offset is %v, expected a non-negative int", t.offset)
	}
	shape, err := intsOf(t.size, "size")
	if err != nil {
		return nil, err
	}
	stride, err := intsOf(t.stride, "stride")
	if err != nil {
		return nil, err
	}
	if len(stride) != len(shape) {
		return nil, fmt.Errorf("size %s has %d dimensions but stride %v has %d", shapeString(shape), len(shape), stride, len(stride))
	}
	numel, err := numelOf(shape)
	if err != nil {
		return nil, err
	}
	st := t.storage
	if int64(numel) > st.numel && numel > maxBroadcastElements {
		return nil, fmt.Errorf("view (size %s, stride %v) expands %d storage elements to %d; refusing broadcast views of more than %d elements", shapeString(shape), stride, st.numel, numel, maxBroadcastElements)
	}
	if numel == 0 {
		return &Tensor{Shape: shape, Data: []float32{}}, nil
	}
	// The last element touched is offset + sum((size-1)*stride); it must
	// lie inside the storage. Each term is checked before adding so the sum
	// cannot overflow.
	last := int64(offset)
	if last >= st.numel {
		return nil, fmt.Errorf("storage offset %d is past the %d elements of storage %q", offset, st.numel, st.key)
	}
	for i, d := range shape {
		if stride[i] != 0 && int64(d-1) > (st.numel-1)/int64(stride[i]) {
			return nil, fmt.Errorf("view (offset %d, size %s, stride %v) reaches past the %d elements of storage %q", offset, shapeString(shape), stride, st.numel, st.key)
		}
		last += int64(d-1) * int64(stride[i])
		if last >= st.numel {
			return nil, fmt.Errorf("view (offset %d, size %s, stride %v) reaches past the %d elements of storage %q", offset, shapeString(shape), stride, st.numel, st.key)
		}
	}
	// The storage is read (and checked) before the output is allocated.
	raw, err := ck.storageBytes(st)
	if err != nil {
		return nil, err
	}
	out := &Tensor{Shape: shape, Data: make([]float32, numel)}
	es := st.dt.size()
	if isContiguous(shape, stride) {
		st.dt.decode(out.Data, raw[offset*es:], ck.order)
		return out, nil
	}
	// General strided gather, odometer style.
	idx := make([]int, len(shape))
	pos := offset
	for i := range out.Data {
		out.Data[i] = st.dt.at(raw, pos, ck.order)
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			pos += stride[d]
			if idx[d] < shape[d] {
				break
			}
			pos -= stride[d] * shape[d]
			idx[d] = 0
		}
	}
	return out, nil
}

// isContiguous reports whether stride is the C-contiguous stride for shape
// (dimensions of size 1 may have any stride).
func isContiguous(shape, stride []int) bool {
	want := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && stride[i] != want {
			return false
		}
		want *= shape[i]
	}
	return true
}

// storageBytes reads (once) the raw bytes of a storage record.
func (ck *checkpoint) storageBytes(st *ptStorage) ([]byte, error) {
	if b, ok := ck.raw[st.rec.Name]; ok {
		return b, nil
	}
	want := int64(st.rec.UncompressedSize64)
	if want > maxTensorBytes {
		return nil, fmt.Errorf("storage %q is %d bytes, more than the %d-byte limit", st.key, want, int64(maxTensorBytes))
	}
	if err := ck.expansion.check(st.rec); err != nil {
		return nil, fmt.Errorf("storage %q: record %s: %v", st.key, st.rec.Name, err)
	}
	rc, err := st.rec.Open()
	if err != nil {
		return nil, fmt.Errorf("storage %q: cannot open record %s: %v", st.key, st.rec.Name, err)
	}
	defer rc.Close()
	var b []byte
	if off, err := st.rec.DataOffset(); err == nil && st.rec.Method == zip.Store && off+want <= ck.size {
		// Stored (uncompressed) data that fits in the file: read it directly.
		b = make([]byte, want)
		_, err = io.ReadFull(rc, b)
		if err != nil {
			return nil, fmt.Errorf("storage %q: reading record %s: %v", st.key, st.rec.Name, err)
		}
	} else {
		// Compressed, or claims more than the file holds: let the buffer
		// grow with the data actually read.
		b, err = io.ReadAll(io.LimitReader(rc, want+1))
		if err != nil {
			return nil, fmt.Errorf("storage %q: reading record %s: %v", st.key, st.rec.Name, err)
		}
		if int64(len(b)) != want {
			return nil, fmt.Errorf("storage %q: record %s holds %d bytes, its header says %d", st.key, st.rec.Name, len(b), want)
		}
	}
	ck.raw[st.rec.Name] = b
	return b, nil
}
