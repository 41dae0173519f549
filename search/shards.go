package search

import (
	"fmt"
	"strconv"
	"strings"
)

// MissingShards names the shards ("i/n") of a sharded search that the
// given shard labels (Header.Shard of the journals to merge) lack, or
// reports labels that are not shards of one search of n.
func MissingShards(labels []string) ([]string, error) {
	n := -1
	have := map[int]bool{}
	for _, l := range labels {
		is, ns, ok := strings.Cut(l, "/")
		i, err1 := strconv.Atoi(is)
		m, err2 := strconv.Atoi(ns)
		if !ok || err1 != nil || err2 != nil || m < 1 || i < 0 || i >= m {
			return nil, fmt.Errorf("shard %q: expected i/n", l)
		}
		if n >= 0 && m != n {
			return nil, fmt.Errorf("shards of %d and of %d: not one sharded search", n, m)
		}
		n = m
		have[i] = true
	}
	var missing []string
	for i := 0; i < n; i++ {
		if !have[i] {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
		}
	}
	return missing, nil
}
