package study

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrNoStudy: a store holds no study yet.
var ErrNoStudy = errors.New("holds no study yet")

// ChoiceError: a study must be named because the store holds several.
type ChoiceError struct{ Names []string }

func (e *ChoiceError) Error() string { return fmt.Sprintf("holds %d studies", len(e.Names)) }

// Pick is name, or without one the store's only study (ErrNoStudy if it
// holds none, *ChoiceError if it holds several).
func (s *Store) Pick(ctx context.Context, name string) (string, error) {
	if name != "" {
		return name, nil
	}
	names, err := s.Studies(ctx)
	switch {
	case err != nil:
		return "", err
	case len(names) == 0:
		return "", ErrNoStudy
	case len(names) > 1:
		return "", &ChoiceError{Names: names}
	}
	return names[0], nil
}

// ExportDoc describes a study exported as a journal (Store.Export).
type ExportDoc struct {
	Study    string `json:"study"`
	Storage  string `json:"storage"`
	Journal  string `json:"journal"`
	Records  int    `json:"records"`
	Total    int    `json:"total"`
	Complete bool   `json:"complete"`
	status   Status // for the text: trials still running and pending
}

// ExportJournal writes study name's finished trials to the journal at
// path (Store.Export) and describes the result.
func (s *Store) ExportJournal(ctx context.Context, name, path string) (*ExportDoc, error) {
	n, st, err := s.Export(ctx, name, path)
	if err != nil {
		return nil, err
	}
	return &ExportDoc{Study: name, Storage: s.URL(), Journal: path, Records: n, Total: st.Total, Complete: st.Complete, status: st}, nil
}

// WriteText prints what was exported, and how much of a study still
// running is not.
func (d *ExportDoc) WriteText(w io.Writer) error {
	state := "complete"
	if !d.Complete {
		state = fmt.Sprintf("still running: %d running, %d pending", d.status.Running+d.status.Expired, d.status.Pending)
	}
	_, err := fmt.Fprintf(w, "study %s: %d records (%s) written to %s\n", d.Study, d.Records, state, d.Journal)
	return err
}

// StatusDoc is the status of a store's studies.
type StatusDoc struct {
	Storage string   `json:"storage"`
	Studies []Status `json:"studies"`
}

// Statuses reads the status of the named studies, or of all without names.
func (s *Store) Statuses(ctx context.Context, names ...string) (*StatusDoc, error) {
	if len(names) == 0 {
		var err error
		if names, err = s.Studies(ctx); err != nil {
			return nil, err
		}
	}
	doc := &StatusDoc{Storage: s.URL(), Studies: []Status{}}
	for _, n := range names {
		st, err := s.Status(ctx, n)
		if err != nil {
			return nil, err
		}
		doc.Studies = append(doc.Studies, st)
	}
	return doc, nil
}

// WriteText prints the doc as WriteStatus does.
func (d *StatusDoc) WriteText(w io.Writer) error { return WriteStatus(w, d.Storage, d.Studies) }

// WorkerDone is what a worker that did not complete its study reports.
type WorkerDone struct {
	Study       string `json:"study"`
	Storage     string `json:"storage"`
	Complete    bool   `json:"complete"`
	CompletedBy string `json:"completed_by"`
	Evaluated   int    `json:"evaluated"`
}
