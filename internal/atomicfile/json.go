package atomicfile

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes v to path as JSON indented by two spaces (as
// json.Encoder writes it, with a final newline), atomically, so a reader
// never sees half a file.
func WriteJSON(path string, v any) error {
	err := Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	return nil
}
