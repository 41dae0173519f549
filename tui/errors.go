package tui

import (
	"regexp"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// The model screen turns every edit into arch overrides, so arch's errors
// name them as overrides ("set stages.2.groups: stages[2].groups: 7 does
// not divide ..."; "--set ..." when a command line labelled them). The
// user typed no override; editError says the same thing in terms of the
// field they changed.
var (
	reSetKey   = regexp.MustCompile(`^(?:--)?` + arch.DefaultOrigin + ` ([^:\s]+): `)
	reLocation = regexp.MustCompile(`^(\S+\.ya?ml:\d+): `)
	reKeyPath  = regexp.MustCompile(`^([A-Za-z_]\w*(?:\[\d+\]|\.\w+)*): `)
	reIndex    = regexp.MustCompile(`\[(\d+)\]`)
)

// keyLabel names a spec key path as the model screen labels its fields:
// "stages.2.groups" and "stages[2].groups" -> "stage 2 groups",
// "input.height" -> "input" (the editor sets both sides together).
func keyLabel(path string) string {
	path = reIndex.ReplaceAllString(path, ".$1")
	parts := strings.Split(path, ".")
	switch {
	case len(parts) == 3 && parts[0] == "stages":
		return "stage " + parts[1] + " " + parts[2]
	case parts[0] == "input":
		return "input"
	}
	return path
}

// editError is err of counting an edit whose changed overrides (against
// the last edit that counted) are changed ("key=value"), as one line that
// names the edited field: "stage 2 groups: 7 does not divide stage 2's
// width 160 (...)". When arch blames another key (the spec's n_div after
// embed_dim shrank), the edited field and its value come first and the
// blamed key follows.
func editError(err error, changed []string) string {
	msg := oneLine(err)
	if len(changed) == 0 {
		return msg
	}
	setKey := ""
	if m := reSetKey.FindStringSubmatch(msg); m != nil {
		setKey, msg = m[1], msg[len(m[0]):]
	}
	loc := ""
	if m := reLocation.FindStringSubmatch(msg); m != nil {
		loc, msg = m[1], msg[len(m[0]):]
	}
	blamed := setKey
	if m := reKeyPath.FindStringSubmatch(msg); m != nil {
		blamed, msg = m[1], msg[len(m[0]):]
	}
	var edited []string // "stage 2 groups 7"
	var hw [2]string    // input height and width, named once as HxW
	for _, kv := range changed {
		k, v, _ := strings.Cut(kv, "=")
		if setKey != "" && keyLabel(k) == keyLabel(setKey) {
			return keyLabel(k) + ": " + msg
		}
		switch k {
		case "input.height":
			hw[0] = v
		case "input.width":
			hw[1] = v
		default:
			edited = append(edited, keyLabel(k)+" "+v)
		}
	}
	switch {
	case hw[0] != "" && hw[1] != "":
		edited = append(edited, "input "+hw[0]+"x"+hw[1])
	case hw != [2]string{}:
		edited = append(edited, "input")
	}
	out := strings.Join(edited, ", ") + ": "
	if blamed != "" {
		out += keyLabel(blamed) + ": "
	}
	out += msg
	if loc != "" {
		out += " (" + loc + ")"
	}
	return out
}
