package search

import "testing"

func TestWithDefaults(t *testing.T) {
	sp, err := LoadSpace("testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in                 Options
		budget, population int
	}{
		{Options{Strategy: "grid"}, DefaultBudget(sp, "grid"), 0},
		{Options{Strategy: "random", Budget: 7}, 7, 0},
		{Options{Strategy: "evolve", Budget: 300}, 300, 30},
		{Options{Strategy: "evolve", Budget: 300, Population: 12}, 300, 12},
		{Options{Strategy: "evolve", Budget: 20}, 20, 8},
	} {
		got := c.in.WithDefaults(sp, "", false)
		if got.Budget != c.budget || got.Population != c.population {
			t.Errorf("%+v: budget %d population %d, want %d %d", c.in, got.Budget, got.Population, c.budget, c.population)
		}
	}
}
