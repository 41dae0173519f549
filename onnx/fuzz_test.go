package onnx

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzWrittenByFnlab: any file head is read without a panic, and only a
// head whose producer_name is fnlab's is taken as fnlab's.
func FuzzWrittenByFnlab(f *testing.F) {
	f.Add([]byte("\x08\x08\x12\x05fnlab"))
	f.Add([]byte("\x08\x07\x12\x07pytorch"))
	f.Add([]byte("\x12\x05fnlab"))
	f.Add([]byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte("not a model"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "m.onnx")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ours, err := WrittenByFnlab(p)
		if err != nil {
			t.Fatal(err)
		}
		if ours && !containsProducer(data) {
			t.Fatalf("%q taken as fnlab's", data)
		}
	})
}

func containsProducer(b []byte) bool {
	for i := 0; i+len(Producer) <= len(b); i++ {
		if string(b[i:i+len(Producer)]) == Producer {
			return true
		}
	}
	return false
}
