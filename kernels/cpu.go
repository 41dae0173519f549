package kernels

import (
	"fmt"
	"os"

	"golang.org/x/sys/cpu"
)

// Level is the SIMD level the kernels dispatch to.
type Level uint8

const (
	Generic Level = iota // pure Go
	AVX2                 // AVX2 + FMA
	AVX512               // AVX-512 F
)

func (l Level) String() string {
	switch l {
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	}
	return "generic"
}

// best is the highest level this CPU and build support; level is the one in use.
var best, level Level

// envErr records why FNLAB_SIMD could not be honoured (EnvError).
var envErr error

func init() {
	best = detect()
	level = best
	if s := os.Getenv("FNLAB_SIMD"); s != "" {
		l, err := ParseLevel(s)
		if err == nil && l > best {
			err = fmt.Errorf("SIMD level %s not supported here (best is %s)", l, best)
		}
		if err != nil {
			envErr = fmt.Errorf("FNLAB_SIMD=%s: %v", s, err)
			return
		}
		level = l
	}
}

// EnvError reports a FNLAB_SIMD value that was not honoured (an unknown
// level, or one this CPU or build lacks); the kernels then run at the best
// level. Programs should refuse to run rather than measure the wrong kernels.
func EnvError() error { return envErr }

func detect() Level {
	if !asmAvailable {
		return Generic
	}
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512DQ {
		return AVX512
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return AVX2
	}
	return Generic
}

// ParseLevel reads "generic", "avx2" or "avx512".
func ParseLevel(s string) (Level, error) {
	switch s {
	case "generic", "go", "noasm":
		return Generic, nil
	case "avx2":
		return AVX2, nil
	case "avx512":
		return AVX512, nil
	}
	return Generic, fmt.Errorf("unknown SIMD level %q (want generic, avx2 or avx512)", s)
}

// CurrentLevel reports the SIMD level in use.
func CurrentLevel() Level { return level }

// BestLevel reports the highest SIMD level this CPU and build support.
func BestLevel() Level { return best }

// SetLevel switches the kernels to l (for tests and benchmarks). It fails
// when the CPU or build does not support l. Not safe to call while kernels run.
func SetLevel(l Level) error {
	if l > best {
		return fmt.Errorf("kernels: SIMD level %s not supported here (best is %s)", l, best)
	}
	level = l
	return nil
}
