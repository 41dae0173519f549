package search

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Merged is what MergeJournals joins: the search's header (Shard
// "merged"), one record per candidate and the shards no journal held.
type Merged struct {
	Header  Header
	Records []Record
	Missing []string // "i/n" of the shards missing; a partial merge is allowed
}

// MergeJournals reads the journals of the shards of one search of sp
// (same space, strategy, seed, latency table and proxy: Header.Differs)
// and joins their records (MergeRecords). A journal of another space or
// journal version, or of another search than the first journal, is an
// error naming its file.
func MergeJournals(sp *Space, paths ...string) (*Merged, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("space %s: no journal to merge", sp.Name)
	}
	var m Merged
	var sets [][]Record
	var shards []string
	for i, p := range paths {
		h, recs, err := ReadJournal(p)
		if err != nil {
			return nil, err
		}
		if h.Version != JournalVersion {
			return nil, fmt.Errorf("%s: journal version %d, this fnlab reads version %d (its metrics are not comparable); rerun the shard", p, h.Version, JournalVersion)
		}
		if h.SpaceHash != sp.Hash {
			return nil, fmt.Errorf("%s: journal of space %s (hash %s), not of %s (hash %s)", p, h.Space, h.SpaceHash, sp.Name, sp.Hash)
		}
		if i == 0 {
			m.Header = h
		} else if m.Header.Differs(h) != "" {
			f := m.Header
			return nil, fmt.Errorf("%s: shard of another search (strategy %s, seed %d, lut %q) than %s (strategy %s, seed %d, lut %q)",
				p, h.Strategy, h.Seed, h.LUTHash, paths[0], f.Strategy, f.Seed, f.LUTHash)
		}
		sets = append(sets, recs)
		if h.Shard != "0/1" {
			shards = append(shards, h.Shard)
		}
	}
	if len(shards) > 0 {
		missing, err := MissingShards(shards)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", strings.Join(paths, ", "), err)
		}
		m.Missing = missing
	}
	m.Records = MergeRecords(sets...)
	m.Header.Shard = "merged"
	return &m, nil
}

// NewHeader is the journal header of a search of e's space with o's
// strategy, seed, budget (o.Budget, 0: DefaultBudget), shard and
// population, e's latency table and proxy.
func NewHeader(e *Evaluator, o Options) Header {
	budget := o.Budget
	if budget == 0 {
		budget = DefaultBudget(e.Space, o.Strategy)
	}
	shard := o.Shard
	if shard.N == 0 {
		shard = Shard{I: 0, N: 1}
	}
	h := Header{Format: JournalFormat, Version: JournalVersion, Space: e.Space.Name, SpaceHash: e.Space.Hash,
		Strategy: o.Strategy, Seed: o.Seed, Budget: budget, Shard: shard.String(), Latency: "none", Proxy: e.Proxy,
		Population: o.Population}
	if e.LUT != nil {
		h.Latency = "lut: " + e.LUT.MachineLine
		h.LUTHash = e.LUT.Hash()
	}
	return h
}

// JournalPath is the journal of a search in directory out:
// journal.jsonl, or journal-I-of-N.jsonl for shard I of N.
func JournalPath(out string, shard Shard) string {
	if shard.N > 1 {
		return filepath.Join(out, fmt.Sprintf("journal-%d-of-%d.jsonl", shard.I, shard.N))
	}
	return filepath.Join(out, "journal.jsonl")
}

// ResumedPopulation is the population of an evolutionary search of budget
// candidates that continues the journal at path: the journal's (its
// generations depend on it, so a resumed search keeps it and may then run
// a bigger budget), or PopulationFor(budget) when it records none.
func ResumedPopulation(path string, budget int) int {
	if old, err := JournalHeader(path); err == nil && old.Population > 0 {
		return old.Population
	}
	return PopulationFor(budget)
}

// Ref names sp so that a command using it works anywhere: an embedded
// space by its name, a file by the path it was given as.
func (sp *Space) Ref() string {
	if name, ok := strings.CutPrefix(sp.File, "specs/"); ok && strings.HasPrefix(name, "search_") {
		for _, e := range EmbeddedSpaces() {
			if e == strings.TrimSuffix(name, ".yaml") || "search_"+e == strings.TrimSuffix(name, ".yaml") {
				return e
			}
		}
	}
	return sp.File
}
