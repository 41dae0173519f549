package search

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestHeaderDiffers(t *testing.T) {
	base := Header{Version: JournalVersion, Space: "s", SpaceHash: "h", Strategy: "random", Seed: 1, Budget: 10, Shard: "0/2", LUTHash: "l"}
	cases := []struct {
		name   string
		change func(*Header)
		want   string // in Differs; "" for none
		resume bool   // a resumed journal (compatible) differs too
	}{
		{"same", func(*Header) {}, "", false},
		{"shard", func(h *Header) { h.Shard = "1/2" }, "", true},
		{"budget", func(h *Header) { h.Budget = 20 }, "", false},
		{"version", func(h *Header) { h.Version = 1 }, "journal version 1", true},
		{"space", func(h *Header) { h.SpaceHash = "x" }, "space s (hash x)", true},
		{"seed", func(h *Header) { h.Seed = 2 }, "seed 2, this search uses 1", true},
		{"lut", func(h *Header) { h.LUTHash = "m" }, `latency table "m"`, true},
		{"proxy", func(h *Header) { h.Proxy = true }, "proxy true", true},
		{"population of random", func(h *Header) { h.Population = 8 }, "", false},
	}
	for _, c := range cases {
		o := base
		c.change(&o)
		got := base.Differs(o)
		if (got == "") != (c.want == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: Differs %q, want %q", c.name, got, c.want)
		}
		if (base.compatible(o) != "") != c.resume {
			t.Errorf("%s: compatible %q", c.name, base.compatible(o))
		}
	}
}

func TestMergeJournals(t *testing.T) {
	sp, tab := tiny(t)
	dir := t.TempDir()
	ev := &Evaluator{Space: sp, LUT: tab}
	write := func(name string, o Options, recs []Record) string {
		p := filepath.Join(dir, name)
		if err := WriteJournal(p, NewHeader(ev, o), recs); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rec := func(i int64) Record { return Record{Index: i, Key: sp.Key(sp.Decode(i, nil))} }
	a := write("a", Options{Strategy: "grid", Seed: 1, Shard: Shard{0, 3}}, []Record{rec(0), rec(3)})
	b := write("b", Options{Strategy: "grid", Seed: 1, Shard: Shard{2, 3}}, []Record{rec(2), rec(3)})
	seed := write("seed", Options{Strategy: "grid", Seed: 2, Shard: Shard{1, 3}}, nil)
	four := write("four", Options{Strategy: "grid", Seed: 1, Shard: Shard{1, 4}}, nil)
	other, err := ParseSpace("other.yaml", []byte("name: other\nbase: t0\nvary: {n_div: [2, 4]}\nobjectives: [{min: params}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		sp      *Space
		paths   []string
		keys    int
		missing []string
		err     string
	}{
		{"two of three shards", sp, []string{a, b}, 3, []string{"1/3"}, ""},
		{"another seed", sp, []string{a, seed}, 0, nil, "seed: shard of another search (strategy grid, seed 2"},
		{"shards of 3 and 4", sp, []string{a, four}, 0, nil, "shards of 3 and of 4"},
		{"another space", other, []string{a}, 0, nil, "a: journal of space tiny"},
		{"no journal", sp, nil, 0, nil, "no journal to merge"},
	}
	for _, c := range cases {
		m, err := MergeJournals(c.sp, c.paths...)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(m.Records) != c.keys || !reflect.DeepEqual(m.Missing, c.missing) || m.Header.Shard != "merged" || m.Header.Strategy != "grid" {
			t.Errorf("%s: %d records, missing %v, header %+v", c.name, len(m.Records), m.Missing, m.Header)
		}
	}
}

func TestNewHeaderAndJournalPath(t *testing.T) {
	sp, tab := tiny(t)
	cases := []struct {
		ev      *Evaluator
		o       Options
		latency string
		budget  int
		shard   string
		journal string
	}{
		{&Evaluator{Space: sp}, Options{Strategy: "grid"}, "none", int(sp.Size()), "0/1", "out/journal.jsonl"},
		{&Evaluator{Space: sp, LUT: tab, Proxy: true}, Options{Strategy: "random", Budget: 7, Shard: Shard{1, 4}}, "lut: " + tab.MachineLine, 7, "1/4", "out/journal-1-of-4.jsonl"},
	}
	for _, c := range cases {
		h := NewHeader(c.ev, c.o)
		lutHash := ""
		if c.ev.LUT != nil {
			lutHash = c.ev.LUT.Hash()
		}
		if h.Format != JournalFormat || h.Version != JournalVersion || h.SpaceHash != sp.Hash || h.Latency != c.latency ||
			h.Budget != c.budget || h.Shard != c.shard || h.Proxy != c.ev.Proxy || h.LUTHash != lutHash {
			t.Errorf("%+v: header %+v", c.o, h)
		}
		sh, _ := ParseShard(c.shard)
		if got := JournalPath("out", sh); got != c.journal {
			t.Errorf("journal path %s, want %s", got, c.journal)
		}
	}
}

func TestResumedPopulation(t *testing.T) {
	sp, _ := tiny(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "j.jsonl")
	if err := WriteJournal(p, NewHeader(&Evaluator{Space: sp}, Options{Strategy: "evolve", Budget: 100, Population: 12}), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		budget int
		want   int
	}{{p, 500, 12}, {filepath.Join(dir, "none.jsonl"), 500, 50}} {
		if got := ResumedPopulation(c.path, c.budget); got != c.want {
			t.Errorf("%s: population %d, want %d", c.path, got, c.want)
		}
	}
}

func TestSpaceRef(t *testing.T) {
	for _, c := range []struct{ ref, want string }{
		{"search_t0_mixer", "search_t0_mixer"},
		{"t0_mixer", "search_t0_mixer"},
		{"testdata/tiny.yaml", "testdata/tiny.yaml"},
	} {
		sp, err := LoadSpace(c.ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := sp.Ref(); got != c.want {
			t.Errorf("%s: Ref %q, want %q", c.ref, got, c.want)
		}
	}
}
