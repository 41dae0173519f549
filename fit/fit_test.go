package fit

import (
	"math"
	"math/rand/v2"
	"testing"
)

func smallProblem(t *testing.T, st Stage, red float64, seed uint64) *Problem {
	t.Helper()
	o := DefaultGen
	o.Redundancy, o.Seed, o.Samples = red, seed, 4
	d, err := Generate(st, o)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := NewProblem(d, RandomTeacher(st.C, seed), seed, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pr.Close)
	return pr
}

// TestExactStudents: students that can represent any 3x3 conv must reach ~0.
func TestExactStudents(t *testing.T) {
	pr := smallProblem(t, Stage{"s", 16, 9, 9}, 0.25, 1)
	for _, s := range []Student{{Kind: "conv"}, {Kind: "pconv", NDiv: 1}, {Kind: "gconv", Groups: 1}} {
		r, err := pr.Fit(s, 3)
		if err != nil {
			t.Fatal(err)
		}
		if r.Normalised > 1e-3 {
			t.Errorf("%s: normalised test MSE %g, want ~0 (curve %v)", s.Name(), r.Normalised, r.Curve)
		}
	}
}

// TestALSConverges: the training loss never increases and ends below the
// PWConv-only student's.
func TestALSConverges(t *testing.T) {
	pr := smallProblem(t, Stage{"s", 32, 8, 8}, 0.5, 2)
	pw, err := pr.Fit(Student{Kind: "pwconv"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Student{{Kind: "pconv", NDiv: 4}, {Kind: "gconv", Groups: 16}, {Kind: "gconv", Groups: 4}, {Kind: "dwconv"}} {
		r, err := pr.Fit(s, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(r.Curve); i++ {
			if r.Curve[i] > r.Curve[i-1]*(1+1e-6)+1e-12 {
				t.Errorf("%s: training loss rose at iteration %d: %v", s.Name(), i, r.Curve)
			}
		}
		if !(r.TrainMSE < pw.TrainMSE) || r.TestMSE <= 0 || r.Normalised >= 1 {
			t.Errorf("%s: train %g (pwconv %g), test %g, normalised %g", s.Name(), r.TrainMSE, pw.TrainMSE, r.TestMSE, r.Normalised)
		}
		// The structured training loss agrees with the direct evaluation.
		if last := r.Curve[len(r.Curve)-1]; math.Abs(last-r.TrainMSE) > 1e-3*r.TrainMSE+1e-9 {
			t.Errorf("%s: curve ends at %g, evaluated train MSE %g", s.Name(), last, r.TrainMSE)
		}
	}
}

// TestMomentsMatchDirect compares the moment-based MSE with a direct
// evaluation of a random student conv on the test images.
func TestMomentsMatchDirect(t *testing.T) {
	st := Stage{"s", 8, 6, 5}
	o := DefaultGen
	o.Seed = 4
	d, err := Generate(st, o)
	if err != nil {
		t.Fatal(err)
	}
	teacher := RandomTeacher(8, 1)
	pr, err := NewProblem(d, teacher, 9, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	r := rand.New(rand.NewPCG(1, 1))
	k := make([]float32, 8*72)
	diff := make([]float32, len(k))
	for i := range k {
		k[i] = float32(r.NormFloat64() * 0.1)
		diff[i] = teacher[i] - k[i]
	}
	got := pr.mse(pr.test, diff)
	_, _, test, _ := Split(d.N, 9)
	var sum float64
	var n int
	conv := func(w []float32, im, o, y, x int) float64 {
		var s float64
		for ci := 0; ci < 8; ci++ {
			for t := 0; t < 9; t++ {
				yy, xx := y+t/3-1, x+t%3-1
				if yy >= 0 && yy < 6 && xx >= 0 && xx < 5 {
					s += float64(w[(o*8+ci)*9+t]) * float64(d.X[((im*8+ci)*6+yy)*5+xx])
				}
			}
		}
		return s
	}
	for _, im := range test {
		for o := 0; o < 8; o++ {
			for y := 0; y < 6; y++ {
				for x := 0; x < 5; x++ {
					e := conv(teacher, im, o, y, x) - conv(k, im, o, y, x)
					sum += e * e
					n++
				}
			}
		}
	}
	want := sum / float64(n)
	if math.Abs(got-want) > 1e-4*want {
		t.Fatalf("moment MSE %g, direct %g", got, want)
	}
}

func TestGenerateAndSplit(t *testing.T) {
	for _, c := range []struct {
		red     float64
		wantErr bool
	}{{0, false}, {0.9, false}, {1, true}, {-0.1, true}} {
		o := DefaultGen
		o.Redundancy = c.red
		d, err := Generate(Stage{"s", 8, 4, 4}, o)
		if (err != nil) != c.wantErr {
			t.Fatalf("redundancy %g: err %v", c.red, err)
		}
		if err == nil && (d.N < 10 || len(d.X) != d.N*8*16) {
			t.Fatalf("bad data %d images, %d values", d.N, len(d.X))
		}
	}
	tr, va, te, err := Split(100, 1)
	if err != nil || len(tr) != 70 || len(va) != 10 || len(te) != 20 {
		t.Fatalf("split %d/%d/%d %v", len(tr), len(va), len(te), err)
	}
	if _, _, _, err := Split(2, 1); err == nil {
		t.Fatal("2 images: want an error")
	}
}

func TestParseStudent(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		err  bool
	}{{"pconv", "pconv+pwconv", false}, {"pconv:2", "pconv(n_div=2)+pwconv", false}, {"gconv+pwconv", "gconv+pwconv", false},
		{"gconv:8", "gconv(groups=8)+pwconv", false}, {"dwconv", "dwconv+pwconv", false}, {"conv", "conv", false},
		{"pwconv", "pwconv", false}, {"pconv:0", "", true}, {"dwconv:2", "", true}, {"winograd", "", true}} {
		s, err := ParseStudent(c.in)
		if (err != nil) != c.err || (err == nil && s.Name() != c.want) {
			t.Errorf("ParseStudent(%q) = %v, %v; want %q", c.in, s.Name(), err, c.want)
		}
	}
}
