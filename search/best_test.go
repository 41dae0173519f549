package search

import (
	"reflect"
	"testing"
)

func TestBestFeasible(t *testing.T) {
	sp := &Space{Objectives: []Objective{{Metric: "latency"}, {Metric: "params"}, {Metric: "naswot", Maximize: true}}}
	rec := func(key string, feasible bool, lat float64, params int64, naswot float64) Record {
		return Record{Key: key, Feasible: feasible, Metrics: &Metrics{LatencyMS: &lat, Params: params, NASWOT: &naswot}}
	}
	recs := []Record{
		rec("fast", true, 1, 300, 10),
		rec("small", true, 2, 100, 20),
		rec("fastest but too big", false, 0.5, 50, 99),
		rec("small twin", true, 3, 100, 5),
	}
	got := sp.BestFeasible(recs)
	var keys [][]string
	for _, b := range got {
		keys = append(keys, append([]string{b.Key}, b.Objectives...))
	}
	want := [][]string{{"fast", "min latency"}, {"small", "min params", "max naswot"}}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("best %v, want %v", keys, want)
	}
}

func TestMissingShards(t *testing.T) {
	for _, c := range []struct {
		labels  []string
		missing []string
		err     bool
	}{
		{[]string{"0/2", "1/2"}, nil, false},
		{[]string{"1/3"}, []string{"0/3", "2/3"}, false},
		{[]string{"0/2", "0/3"}, nil, true},
		{[]string{"merged"}, nil, true},
	} {
		got, err := MissingShards(c.labels)
		if (err != nil) != c.err || !reflect.DeepEqual(got, c.missing) {
			t.Errorf("%v: %v %v, want %v (error %v)", c.labels, got, err, c.missing, c.err)
		}
	}
}
