package search

import (
	"math"
	"testing"
)

func pts(vs ...[]float64) []Point {
	out := make([]Point, len(vs))
	for i, v := range vs {
		out[i] = Point{Obj: v}
	}
	return out
}

func TestDominates(t *testing.T) {
	cases := []struct {
		name string
		a, b Point
		want bool
	}{
		{"better in all", Point{Obj: []float64{1, 1}}, Point{Obj: []float64{2, 2}}, true},
		{"better in one, equal other", Point{Obj: []float64{1, 2}}, Point{Obj: []float64{2, 2}}, true},
		{"equal", Point{Obj: []float64{1, 2}}, Point{Obj: []float64{1, 2}}, false},
		{"trade-off", Point{Obj: []float64{1, 3}}, Point{Obj: []float64{2, 2}}, false},
		{"feasible beats infeasible", Point{Obj: []float64{9, 9}}, Point{Obj: []float64{1, 1}, Violation: 0.1}, true},
		{"infeasible loses", Point{Obj: []float64{1, 1}, Violation: 0.1}, Point{Obj: []float64{9, 9}}, false},
		{"smaller violation", Point{Obj: []float64{9, 9}, Violation: 0.1}, Point{Obj: []float64{1, 1}, Violation: 0.2}, true},
	}
	for _, c := range cases {
		if got := dominates(&c.a, &c.b); got != c.want {
			t.Errorf("%s: dominates = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSorterRanksAndCrowding(t *testing.T) {
	p := pts(
		[]float64{1, 5}, // 0: front 0 (end)
		[]float64{2, 3}, // 1: front 0
		[]float64{4, 1}, // 2: front 0 (end)
		[]float64{3, 4}, // 3: front 1 (dominated by 1)
		[]float64{5, 5}, // 4: front 2 (dominated by 3)
		[]float64{5, 2}, // 5: front 1 (dominated by 2)
	)
	var s Sorter
	s.Sort(p)
	wantRank := []int{0, 0, 0, 1, 2, 1}
	for i, w := range wantRank {
		if s.Rank[i] != w {
			t.Errorf("point %d: rank %d, want %d", i, s.Rank[i], w)
		}
	}
	if !math.IsInf(s.Crowding[0], 1) || !math.IsInf(s.Crowding[2], 1) {
		t.Errorf("front ends must have infinite crowding: %v", s.Crowding)
	}
	// Point 1: objective 0 neighbours 1 and 4 over span 3, objective 1 neighbours 1 and 5 over span 4.
	if want := (4.0-1)/3 + (5.0-1)/4; math.Abs(s.Crowding[1]-want) > 1e-12 {
		t.Errorf("crowding of point 1 = %g, want %g", s.Crowding[1], want)
	}
	sel := s.Select(4)
	if sel[0] != 0 || sel[1] != 2 || sel[2] != 1 {
		t.Errorf("selection order %v, want the front's ends, then its middle", sel)
	}
	// Reuse: a second, smaller sort gives the same answer as a fresh one.
	s.Sort(p[:3])
	for i := 0; i < 3; i++ {
		if s.Rank[i] != 0 {
			t.Errorf("resorted point %d: rank %d", i, s.Rank[i])
		}
	}
}

func TestSorterNoAllocsWhenWarm(t *testing.T) {
	p := pts([]float64{1, 5}, []float64{2, 3}, []float64{4, 1}, []float64{3, 4}, []float64{5, 5}, []float64{5, 2})
	var s Sorter
	s.Sort(p)
	allocs := testing.AllocsPerRun(20, func() { s.Sort(p) })
	if allocs > 0 {
		t.Errorf("Sort allocates %.0f times per call once warm", allocs)
	}
}

func TestParetoFrontAndHypervolume(t *testing.T) {
	p := pts([]float64{1, 5}, []float64{2, 3}, []float64{4, 1}, []float64{3, 4}, []float64{2, 3})
	p = append(p, Point{Obj: []float64{0, 0}, Violation: 1})
	front := ParetoFront(p)
	want := []int{0, 1, 2, 4}
	if len(front) != len(want) {
		t.Fatalf("front %v, want %v", front, want)
	}
	for i := range want {
		if front[i] != want[i] {
			t.Fatalf("front %v, want %v", front, want)
		}
	}
	cases := []struct {
		name string
		pts  [][]float64
		ref  []float64
		want float64
	}{
		{"one point 2d", [][]float64{{1, 1}}, []float64{3, 3}, 4},
		{"staircase", [][]float64{{1, 5}, {2, 3}, {4, 1}}, []float64{6, 6}, 1*1 + 2*3 + 2*5},
		{"outside ref", [][]float64{{7, 1}}, []float64{6, 6}, 0},
		{"3d cube", [][]float64{{0, 0, 0}}, []float64{1, 2, 3}, 6},
		{"3d two", [][]float64{{0, 1, 1}, {1, 0, 0}}, []float64{2, 2, 2}, 2 + 4 - 1},
	}
	for _, c := range cases {
		if got := Hypervolume(c.pts, c.ref); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: hypervolume %g, want %g", c.name, got, c.want)
		}
	}
}
