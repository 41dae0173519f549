package tensorio

import (
	"fmt"
	"strings"
)

// resolveGlobal maps a module and name to an allowed object: the names that
// torch.load(weights_only=True) accepts in a state dict. Anything else is a
// forbiddenGlobal.
func (u *unpickler) resolveGlobal(module, name string) any {
	full := module + "." + name
	switch full {
	case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
		return &pickleFunc{full, rebuildTensor}
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		return &pickleFunc{full, func(args []any) (any, error) {
			if len(args) < 1 {
				return nil, fmt.Errorf("%s: missing data argument", full)
			}
			if _, ok := args[0].(*ptTensor); !ok {
				return nil, fmt.Errorf("%s: data is %s, expected a tensor", full, describe(args[0]))
			}
			return args[0], nil
		}}
	case "torch._tensor._rebuild_from_type_v2":
		return &pickleFunc{full, func(args []any) (any, error) {
			if len(args) < 3 {
				return nil, fmt.Errorf("%s: expected at least 3 arguments", full)
			}
			fargs, ok := args[2].(*pkTuple)
			if _, isFn := args[0].(*pickleFunc); !isFn || !ok {
				return nil, fmt.Errorf("%s: expected (tensor function, type, args tuple, ...)", full)
			}
			if g, ok := args[1].(*pkGlobal); !ok || (!tensorTypes[g.name]) {
				return nil, fmt.Errorf("%s: type %s is not allowed (expected torch.Tensor or torch.nn.Parameter)", full, describe(args[1]))
			}
			return u.call(args[0], fargs.items)
		}}
	case "collections.OrderedDict":
		return &pkGlobal{full, func(args []any) (any, error) {
			if len(args) != 0 {
				return nil, fmt.Errorf("OrderedDict with arguments is not supported")
			}
			return &pkDict{ordered: true, depth: 1}, nil
		}}
	case "torch.Size":
		return &pkGlobal{full, func(args []any) (any, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("torch.Size expects one tuple")
			}
			t, ok := args[0].(*pkTuple)
			if !ok {
				return nil, fmt.Errorf("torch.Size of %s, expected a tuple", describe(args[0]))
			}
			return t, nil
		}}
	case "_codecs.encode":
		return &pkGlobal{full, func(args []any) (any, error) {
			if len(args) < 1 {
				return nil, fmt.Errorf("_codecs.encode expects a string")
			}
			s, ok := args[0].(string)
			if !ok {
				return nil, fmt.Errorf("_codecs.encode of %s, expected a str", describe(args[0]))
			}
			return []byte(s), nil
		}}
	case "builtins.set", "builtins.frozenset", "__builtin__.set":
		return &pkGlobal{full, func(args []any) (any, error) {
			s := &pkSet{depth: 1}
			if len(args) == 1 {
				l, ok := args[0].(*pkList)
				if !ok {
					return nil, fmt.Errorf("%s of %s, expected a list", full, describe(args[0]))
				}
				s.items, s.depth = append([]any(nil), l.items...), l.depth
			}
			return s, nil
		}}
	case "torch.Tensor", "torch._tensor.Tensor", "torch.nn.parameter.Parameter", "torch.device", "torch.serialization._get_layout",
		"torch.strided", "torch.sparse_coo", "builtins.complex", "builtins.bytearray":
		return &pkGlobal{name: full}
	}
	if module == "torch" {
		if strings.HasSuffix(name, "Storage") {
			return &storageClass{name: "torch." + name, dt: storageClasses[name]}
		}
		if _, ok := torchDtypes[name]; ok {
			return &pkGlobal{name: full}
		}
	}
	if u.firstForbidden == "" {
		u.firstForbidden = full
	}
	return &forbiddenGlobal{name: full}
}

// tensorTypes are the types _rebuild_from_type_v2 may rebuild a tensor as.
var tensorTypes = map[string]bool{"torch.Tensor": true, "torch._tensor.Tensor": true, "torch.nn.parameter.Parameter": true}

// torchDtypes are the torch dtype names a state dict may mention (in
// _extra_state or quantization parameters).
var torchDtypes = map[string]bool{
	"float32": true, "float": true, "float64": true, "double": true, "float16": true, "half": true,
	"bfloat16": true, "int64": true, "long": true, "int32": true, "int": true, "int16": true,
	"short": true, "int8": true, "uint8": true, "bool": true, "complex64": true, "complex128": true,
}
