package search

// WithDefaults is o with what is left 0 filled in: the budget
// (DefaultBudget) and, for evolve, the population (PopulationFor; when
// resume, the one the journal at journal was started with, so that a
// resumed search goes on as it began).
func (o Options) WithDefaults(sp *Space, journal string, resume bool) Options {
	if o.Budget == 0 {
		o.Budget = DefaultBudget(sp, o.Strategy)
	}
	if o.Strategy == "evolve" && o.Population == 0 {
		o.Population = PopulationFor(o.Budget)
		if resume {
			o.Population = ResumedPopulation(journal, o.Budget)
		}
	}
	return o
}

// OpenJournal sets o.Journal to the journal at path for the search of h:
// a new one (CreateJournal), or with resume the existing one
// (ResumeJournal), whose records become o.Prior.
func (o *Options) OpenJournal(path string, h Header, resume bool) error {
	var err error
	if resume {
		o.Journal, o.Prior, err = ResumeJournal(path, h)
	} else {
		o.Journal, err = CreateJournal(path, h)
	}
	return err
}
