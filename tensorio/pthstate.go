package tensorio

import (
	"errors"
	"fmt"
	"strings"
)

// stateDictKeys are the keys under which training scripts commonly wrap a
// state dict, in order of preference.
var stateDictKeys = []string{"state_dict", "model_state_dict", "model", "module"}

// entry is one key of a pickled dict and its value.
type entry struct {
	key string
	val any
}

// dictEntries returns the entries of a pickled dict in insertion order
// (a repeated key has replaced the value in place, as in Python).
func dictEntries(obj any) ([]entry, bool) {
	d, ok := obj.(*pkDict)
	if !ok {
		return nil, false
	}
	out := make([]entry, len(d.keys))
	for i, k := range d.keys {
		ks, ok := k.(string)
		if !ok {
			ks = "\x00" + describe(k)
		}
		out[i] = entry{ks, d.vals[i]}
	}
	return out, true
}

// describe names the Python type of a decoded pickle value, for errors.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		return "a bool"
	case int:
		return "an int"
	case float64:
		return "a float"
	case string:
		return "a str"
	case *ptTensor:
		return "a tensor"
	case *ptStorage:
		return "a storage"
	case *storageClass:
		return x.name
	case []byte:
		return "a bytes"
	case *pkDict:
		if x.ordered {
			return "an OrderedDict"
		}
		return "a dict"
	case *pkList:
		return "a list"
	case *pkTuple:
		return "a tuple"
	case *pkSet:
		return "a set"
	case *pkGlobal:
		return x.name
	case *pkValue:
		return "a " + x.name + " object"
	case *pickleFunc:
		return x.name
	case *forbiddenGlobal:
		if x.instance {
			return "an instance of " + x.name
		}
		return x.name
	}
	return fmt.Sprintf("a %T", v)
}

// isStateDict reports whether every entry maps a string to a tensor
// (entries ending in "_extra_state" are ignored) and there is at least one.
func isStateDict(es []entry) bool {
	n := 0
	for _, e := range es {
		if strings.HasSuffix(e.key, "_extra_state") {
			continue
		}
		if _, ok := e.val.(*ptTensor); !ok || strings.HasPrefix(e.key, "\x00") {
			return false
		}
		n++
	}
	return n > 0
}

// findStateDict locates the state dict in the unpickled top-level object.
func findStateDict(obj any, depth int) ([]entry, error) {
	es, ok := dictEntries(obj)
	if !ok {
		return nil, fmt.Errorf("top-level object is %s, expected a state dict (dict of name -> tensor)", describe(obj))
	}
	if isStateDict(es) {
		return es, nil
	}
	if depth < 2 {
		for _, k := range stateDictKeys {
			for _, e := range es {
				if e.key != k {
					continue
				}
				if inner, err := findStateDict(e.val, depth+1); err == nil {
					return inner, nil
				}
			}
		}
	}
	// Explain what was found.
	keys := make([]string, 0, len(es))
	var bad *entry
	tensors := 0
	for i := range es {
		k := es[i].key
		if strings.HasPrefix(k, "\x00") {
			k = "<" + k[1:] + ">"
		}
		if len(keys) < 10 {
			keys = append(keys, k)
		} else if len(keys) == 10 {
			keys = append(keys, "...")
		}
		if _, ok := es[i].val.(*ptTensor); ok {
			tensors++
		} else if bad == nil && !strings.HasSuffix(k, "_extra_state") {
			bad = &es[i]
		}
	}
	if tensors > 0 && bad != nil {
		return nil, fmt.Errorf("state dict entry %s is %s, expected a tensor", quoteName(bad.key), describe(bad.val))
	}
	if len(es) == 0 {
		return nil, errors.New("the checkpoint holds an empty dict, expected a state dict with tensors")
	}
	return nil, fmt.Errorf("expected a state dict (name -> tensor) or a dict holding one under \"state_dict\", \"model_state_dict\", \"model\" or \"module\"; found a dict with keys [%s]", strings.Join(keys, " "))
}

// state turns the unpickled object into a State.
func (ck *checkpoint) state(obj any, expect Expect) (*State, error) {
	es, err := findStateDict(obj, 0)
	if err != nil {
		return nil, pthErr("%v", err)
	}
	kept := es[:0:0]
	for _, e := range es {
		if _, ok := e.val.(*ptTensor); ok {
			kept = append(kept, e)
		}
	}
	strip := len(kept) > 0
	for _, e := range kept {
		if !strings.HasPrefix(e.key, "module.") || len(e.key) == len("module.") {
			strip = false
			break
		}
	}
	shapeOnly := map[string][]int{}
	if expect != nil {
		// Every name and shape is checked before any storage is read.
		all := kept
		kept = kept[:0:0]
		for _, e := range all {
			name := e.key
			if strip {
				name = strings.TrimPrefix(name, "module.")
			}
			shape, err := intsOf(e.val.(*ptTensor).size, "size")
			if err != nil {
				return nil, pthErr("tensor %s: %v", quoteName(e.key), err)
			}
			err = expect(name, shape)
			switch {
			case err == ErrSkip:
				continue
			case err == ErrShapeOnly:
				shapeOnly[e.key] = shape
			case err != nil:
				return nil, pthErr("tensor %s: %v", quoteName(e.key), err)
			}
			kept = append(kept, e)
		}
	}
	if err := checkViewTotal(kept, shapeOnly); err != nil {
		return nil, pthErr("%v", err)
	}
	s := &State{Names: make([]string, 0, len(kept)), Tensors: make(map[string]*Tensor, len(kept))}
	for _, e := range kept {
		var t *Tensor
		if shape, ok := shapeOnly[e.key]; ok {
			t = &Tensor{Shape: shape}
		} else if t, err = ck.materialize(e.val.(*ptTensor)); err != nil {
			return nil, pthErr("tensor %s: %v", quoteName(e.key), err)
		}
		name := e.key
		if strip {
			name = strings.TrimPrefix(name, "module.")
		}
		s.Names = append(s.Names, name)
		s.Tensors[name] = t
	}
	return s, nil
}

// maxViewCopies bounds what the tensors copy out of their storages, as a
// multiple of the stored elements (plus maxBroadcastElements): tensors that
// share a storage (tied weights) are copied each, but a few kilobytes of
// pickle must not copy one storage a thousand times.
const maxViewCopies = 4

func checkViewTotal(kept []entry, shapeOnly map[string][]int) error {
	var out, stored int64
	seen := map[string]bool{} // by record: each persistent id makes its own *ptStorage
	for _, e := range kept {
		if _, ok := shapeOnly[e.key]; ok {
			continue
		}
		t := e.val.(*ptTensor)
		if !seen[t.storage.rec.Name] {
			seen[t.storage.rec.Name] = true
			stored += t.storage.numel
		}
		shape, err := intsOf(t.size, "size")
		if err != nil {
			continue // reported with the tensor's name when it is materialized
		}
		n, err := numelOf(shape)
		if err != nil {
			continue
		}
		out += int64(n)
	}
	if out > maxViewCopies*stored+maxBroadcastElements {
		return fmt.Errorf("the tensors' views copy %d elements out of %d stored, more than %dx (a view bomb?)", out, stored, maxViewCopies)
	}
	return nil
}
