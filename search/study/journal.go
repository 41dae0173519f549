package study

import (
	"context"
	"errors"
	"os"

	"github.com/fnlab/fnlab/search"
)

// ErrFileExists is wrapped by Export's refusal of a file that exists.
var ErrFileExists = errors.New("file exists")

// WriteJournal writes the finished trials of study name as a search
// journal at path (search.WriteJournal) and returns its header and
// records. A journal of the same search already at path (an earlier
// export or run: search.Header.Differs finds nothing) is replaced; any
// other file there is kept and refused with a *search.JournalError that
// wraps search.ErrJournalOther.
func (s *Store) WriteJournal(ctx context.Context, name, path string) (search.Header, []search.Record, error) {
	id, recs, err := s.Records(ctx, name)
	if err != nil {
		return search.Header{}, nil, err
	}
	h := id.Header()
	if err := clearJournal(path, h); err != nil {
		return h, nil, err
	}
	return h, recs, search.WriteJournal(path, h, recs)
}

// clearJournal makes room for a journal of h at path: a journal of the
// same search is removed, anything else is kept and refused.
func clearJournal(path string, h search.Header) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 {
		return nil
	}
	old, _, err := search.ReadJournal(path)
	if err == nil && h.Differs(old) == "" {
		return os.Remove(path)
	}
	return &search.JournalError{Path: path, Msg: "holds another search", Err: search.ErrJournalOther}
}

// Export writes the finished trials of study name so far as a new search
// journal at path and returns how many it wrote and the study's status.
// A non-empty file at path is refused with a *search.JournalError that
// wraps ErrFileExists.
func (s *Store) Export(ctx context.Context, name, path string) (int, Status, error) {
	id, recs, err := s.Records(ctx, name)
	if err != nil {
		return 0, Status{}, err
	}
	st, err := s.Status(ctx, name)
	if err != nil {
		return 0, st, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return 0, st, &search.JournalError{Path: path, Msg: "already exists", Err: ErrFileExists}
	}
	return len(recs), st, search.WriteJournal(path, id.Header(), recs)
}
