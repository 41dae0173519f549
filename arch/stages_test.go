package arch

import (
	"reflect"
	"testing"
)

// TestStageShapes holds the spec's stage arithmetic to the compiled
// graph's shapes for every preset, at several inputs.
func TestStageShapes(t *testing.T) {
	for _, ref := range Presets() {
		for _, sets := range [][]string{nil, {"input=3x97x131"}, {"depths=[1,0,2,1]", "input={batch: 2, channels: 3, height: 64, width: 32}"}, {"fork_feat=true"}} {
			s, err := Load(ref, sets)
			if err != nil {
				t.Fatal(err)
			}
			g, err := Compile(s)
			if err != nil {
				t.Fatal(err)
			}
			got, want := s.StageShapes(), g.StageShapes()
			if len(got) != len(s.Depths) || !reflect.DeepEqual(got, want) {
				t.Errorf("%s %v: spec %v, graph %v", ref, sets, got, want)
			}
		}
	}
	s, _ := Load("t0", nil)
	if got, want := s.StageShapes()[3], (StageShape{Channels: 320, Height: 7, Width: 7}); got != want {
		t.Errorf("t0 stage 4 is %v, want %v", got, want)
	}
}
