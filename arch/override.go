package arch

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fnlab/fnlab/internal/yamlx"
)

// applySet applies one override "key.path=value" (value in YAML); origin
// names it in errors and locations: "ORIGIN key.path: ...".
func (d *doc) applySet(s, origin string) error {
	eq := strings.IndexByte(s, '=')
	if strings.ContainsAny(s[:max(eq, 0)], "\r\n") {
		return fmt.Errorf("%s %q: the key has a line break", origin, s)
	}
	if eq <= 0 {
		return fmt.Errorf("%[1]s %[2]q: expected key=value, e.g. %[1]s n_div=8 or %[1]s depths=[1,1,1,1]", origin, s)
	}
	keyPath, raw := strings.TrimSpace(s[:eq]), s[eq+1:]
	var vn yaml.Node
	if err := yaml.Unmarshal([]byte(raw), &vn); err != nil {
		return fmt.Errorf("%s %s: value %q is not valid YAML: %s", origin, keyPath, raw, cleanYAMLErr(err))
	}
	var val *yaml.Node
	if len(vn.Content) == 0 {
		val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}
	} else {
		val = vn.Content[0]
	}
	if d.origin == nil {
		d.origin = map[*yaml.Node]string{}
	}
	markOrigin(d.origin, val, origin+" "+keyPath)
	parts := strings.Split(keyPath, ".")
	for _, p := range parts {
		if p == "" {
			return fmt.Errorf("%s %s: empty element in key path", origin, keyPath)
		}
	}
	if parts[0] == "extends" {
		return fmt.Errorf("%s %s: extends cannot be set from the command line; pass the spec to extend as SPEC", origin, keyPath)
	}
	key := &yaml.Node{Kind: yaml.ScalarNode, Value: parts[0]}
	if len(parts) == 1 {
		d.set(entry{key: key, val: val, file: origin})
		return nil
	}
	e := d.get(parts[0])
	if e == nil {
		var top *yaml.Node
		if _, err := strconv.Atoi(parts[1]); err == nil {
			top = &yaml.Node{Kind: yaml.SequenceNode}
		} else {
			top = &yaml.Node{Kind: yaml.MappingNode}
		}
		markOrigin(d.origin, top, origin+" "+keyPath)
		d.entries = append(d.entries, entry{key: key, val: top, file: origin})
		e = &d.entries[len(d.entries)-1]
	}
	cur := e.val
	for i, p := range parts[1:] {
		last := i == len(parts)-2
		switch cur.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for j := 0; j+1 < len(cur.Content); j += 2 {
				if cur.Content[j].Value == p {
					if last {
						cur.Content[j+1] = val
					}
					next = cur.Content[j+1]
				}
			}
			if next == nil {
				next = val
				if !last {
					next = &yaml.Node{Kind: yaml.MappingNode}
					markOrigin(d.origin, next, origin+" "+keyPath)
				}
				cur.Content = append(cur.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: p}, next)
			}
			cur = next
		case yaml.SequenceNode:
			idx, err := strconv.Atoi(p)
			if err != nil || idx < 0 || idx >= maxStages {
				return fmt.Errorf("%s %s: %q: expected a list index from 0 to %d", origin, keyPath, p, maxStages-1)
			}
			for len(cur.Content) <= idx {
				pad := &yaml.Node{Kind: yaml.MappingNode}
				markOrigin(d.origin, pad, origin+" "+keyPath)
				cur.Content = append(cur.Content, pad)
			}
			if last {
				cur.Content[idx] = val
			}
			cur = cur.Content[idx]
		default:
			return fmt.Errorf("%s %s: %s is %s, cannot descend into it", origin, keyPath, strings.Join(parts[:i+1], "."), yamlx.Kind(cur))
		}
	}
	return nil
}

func markOrigin(m map[*yaml.Node]string, n *yaml.Node, where string) {
	m[n] = where
	for _, c := range n.Content {
		markOrigin(m, c, where)
	}
}
