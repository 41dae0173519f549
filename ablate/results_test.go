package ablate

import (
	"encoding/json"
	"strings"
	"testing"
)

func validDoc() *Doc {
	cfg := Config{"spec": "abc", "runs": "2"}
	return &Doc{Format: Format, Config: cfg, ConfigHash: cfg.Hash(), Spec: "t0",
		Variants: []*Variant{{Name: "pconv n_div=2", Mixer: "pconv", NDiv: 2, Sets: []string{"n_div=2"}, MedianMS: 1}}}
}

func TestParseDocRefusesHostileFiles(t *testing.T) {
	good, _ := json.Marshal(validDoc())
	if _, err := ParseDoc("r.json", good); err != nil {
		t.Fatalf("valid doc: %v", err)
	}
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		json.Unmarshal(good, &m)
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	variant := func(m map[string]any) map[string]any { return m["variants"].([]any)[0].(map[string]any) }
	cases := []struct{ name, data, want string }{
		{"null variant", edit(func(m map[string]any) { m["variants"] = []any{nil} }), "r.json: variants[0]: null, expected a variant"},
		{"null document", "null", `r.json: format "", expected "fnlab-ablate-results"`},
		{"no format", edit(func(m map[string]any) { delete(m, "format") }), `format "", expected`},
		{"edited config", edit(func(m map[string]any) { m["config"].(map[string]any)["runs"] = "3" }), "config missing or changed by hand"},
		{"no config", edit(func(m map[string]any) { delete(m, "config"); delete(m, "config_hash") }), "config missing"},
		{"unknown field", edit(func(m map[string]any) { m["extra"] = 1 }), `unknown field "extra"`},
		{"repeated variant", edit(func(m map[string]any) { m["variants"] = append(m["variants"].([]any), variant(m)) }), `variants[1]: name "pconv n_div=2" is empty or repeated`},
		{"unknown mixer", edit(func(m map[string]any) { variant(m)["mixer"] = "attention" }), `mixer "attention"`},
		{"negative latency", edit(func(m map[string]any) { variant(m)["median_ms"] = -1 }), "median_ms is -1"},
		{"stage stds mismatch", edit(func(m map[string]any) { variant(m)["stage_normalised_loss"] = []any{1.0} }), "1 stage losses but 0 stds"},
		{"bad set", edit(func(m map[string]any) { variant(m)["sets"] = []any{"rm -rf"} }), `set "rm -rf"`},
		{"trailing data", string(good) + "{}", "data after the JSON object"},
		{"not json", "\x00\x01", "not an ablate results file"},
		{"string variants", edit(func(m map[string]any) { m["variants"] = "x" }), "not an ablate results file"},
	}
	for _, c := range cases {
		_, err := ParseDoc("r.json", []byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line containing %q", c.name, err, c.want)
		}
	}
}

func TestConfigDiff(t *testing.T) {
	a := Config{"runs": "2", "mixers": "pconv", "spec": "x"}
	b := Config{"runs": "3", "mixers": "pconv", "spec": "x"}
	if k, was, now := a.Diff(b); k != "runs" || was != "2" || now != "3" {
		t.Errorf("Diff = %s %s %s", k, was, now)
	}
	if k, _, _ := a.Diff(a); k != "" {
		t.Errorf("equal configs differ in %s", k)
	}
	if a.Hash() == b.Hash() {
		t.Error("hash ignores values")
	}
}

// FuzzParseDoc: any bytes give a valid Doc or a one-line error, never a
// panic; what is accepted has no nil variant.
func FuzzParseDoc(f *testing.F) {
	good, _ := json.Marshal(validDoc())
	f.Add(good)
	f.Add([]byte(`{"format":"fnlab-ablate-results","variants":[null]}`))
	f.Add([]byte("null"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDoc("r.json", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, v := range d.Variants {
			if v == nil {
				t.Fatal("nil variant accepted")
			}
		}
	})
}
