package study

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestExportDocText(t *testing.T) {
	for _, c := range []struct {
		doc  ExportDoc
		want string
	}{
		{ExportDoc{Study: "s", Journal: "j.jsonl", Records: 4, Total: 4, Complete: true},
			"study s: 4 records (complete) written to j.jsonl\n"},
		{ExportDoc{Study: "s", Journal: "j.jsonl", Records: 2, Total: 9, status: Status{Running: 1, Expired: 2, Pending: 4}},
			"study s: 2 records (still running: 3 running, 4 pending) written to j.jsonl\n"},
	} {
		var b strings.Builder
		if err := c.doc.WriteText(&b); err != nil || b.String() != c.want {
			t.Errorf("WriteText = %q, %v; want %q", b.String(), err, c.want)
		}
	}
	data, _ := json.Marshal(ExportDoc{Study: "s", Storage: "u", Journal: "j", Records: 1, Total: 2, status: Status{Pending: 1}})
	if want := `{"study":"s","storage":"u","journal":"j","records":1,"total":2,"complete":false}`; string(data) != want {
		t.Errorf("json %s, want %s", data, want)
	}
}
