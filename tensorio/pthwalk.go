package tensorio

import (
	"fmt"
	"strings"
)

// pathElem is one step of a key path from the pickle's top-level object,
// kept as a linked list so that a deep walk does not copy long paths.
type pathElem struct {
	parent *pathElem
	step   string
}

func (p *pathElem) String() string {
	var steps []string
	for e := p; e != nil; e = e.parent {
		steps = append(steps, e.step)
	}
	if len(steps) == 0 {
		return "the top-level object"
	}
	var b strings.Builder
	for i := len(steps) - 1; i >= 0; i-- {
		b.WriteString(steps[i])
	}
	return b.String()
}

func keyStep(k any) string {
	switch x := k.(type) {
	case string:
		return "[" + quoteName(x) + "]"
	case int, bool, float64, nil:
		return fmt.Sprintf("[%v]", x)
	}
	return "[<" + describe(k) + ">]"
}

// walkPickle visits every object reachable from root once (the memo can
// make a graph with shared parts and cycles, which a naive recursion would
// walk exponentially often or forever) and refuses the first value outside
// what torch.load(weights_only=True) accepts, naming its key path. It also
// bounds the nesting depth of the final graph.
func walkPickle(root any, firstForbidden string) error {
	type item struct {
		v     any
		path  *pathElem
		depth int
	}
	seen := map[any]bool{}
	todo := []item{{root, nil, 0}}
	for len(todo) > 0 {
		it := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if it.depth > maxPickleNesting {
			return fmt.Errorf("%s: containers nested more than %d deep", it.path, maxPickleNesting)
		}
		switch x := it.v.(type) {
		case nil, bool, int, float64, string, []byte, *ptStorage, *pkValue, *pkGlobal, *storageClass:
			continue
		case *forbiddenGlobal:
			return fmt.Errorf("%s is %s, which is not allowed: fnlab accepts only tensors, storages, OrderedDict, plain containers and scalars, as torch.load(weights_only=True) does", it.path, describe(x))
		case *pickleFunc:
			return fmt.Errorf("%s is the function %s, expected data", it.path, x.name)
		}
		if seen[it.v] {
			continue
		}
		seen[it.v] = true
		child := func(v any, step string) {
			todo = append(todo, item{v, &pathElem{it.path, step}, it.depth + 1})
		}
		switch x := it.v.(type) {
		case *pkDict:
			// Pushed in reverse so that the first bad entry in file order
			// is the one reported.
			if x.state != nil {
				child(x.state, ".__setstate__")
			}
			for i := len(x.keys) - 1; i >= 0; i-- {
				child(x.vals[i], keyStep(x.keys[i]))
				child(x.keys[i], keyStep(x.keys[i])+".key")
			}
		case *pkList:
			for i := len(x.items) - 1; i >= 0; i-- {
				child(x.items[i], fmt.Sprintf("[%d]", i))
			}
		case *pkTuple:
			for i := len(x.items) - 1; i >= 0; i-- {
				child(x.items[i], fmt.Sprintf("[%d]", i))
			}
		case *pkSet:
			for i := len(x.items) - 1; i >= 0; i-- {
				child(x.items[i], fmt.Sprintf("{item %d}", i))
			}
		case *ptTensor:
			if x.state != nil {
				child(x.state, ".__setstate__")
			}
			child(x.stride, ".stride()")
			child(x.size, ".size()")
			child(x.offset, ".storage_offset()")
		default:
			return fmt.Errorf("%s is %s, expected tensors, containers or scalars", it.path, describe(x))
		}
	}
	if firstForbidden != "" {
		return fmt.Errorf("the pickle refers to %s, which is not allowed: fnlab accepts only tensors, storages, OrderedDict, plain containers and scalars, as torch.load(weights_only=True) does", firstForbidden)
	}
	return nil
}
