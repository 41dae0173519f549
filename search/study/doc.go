// Package study shares one search between any number of worker processes
// on any number of machines through a PostgreSQL database, as Optuna's RDB
// storage does: every worker started with the same settings joins the
// study, claims candidates, evaluates them and stores the results; a
// killed worker's claims expire and are redone by the others. The JSONL
// journal (package search) stays the storage of a search on one machine;
// a study exports to the same journal format.
//
// # Schema (version 1)
//
// All tables live in one PostgreSQL schema (default "fnlab"), created on
// first use under an advisory lock:
//
//	meta(key, value)              schema_version = 1
//	studies(name PK, identity, generation, created_at, completed_at, completed_by)
//	trials(study, key, idx, generation, state, worker, attempt, lease_until,
//	       record, finished_at; PK (study, key))
//	workers(study, id, host, pid, lease_s, started_at, heartbeat_at,
//	        stopped_at, evaluated; PK (study, id))
//
// identity is the JSON of Identity: the space hash, strategy, seed,
// budget, population, latency table hash, proxy flag and journal version.
// A worker whose identity differs is refused with the first difference
// named. A trial is one candidate, keyed by the study and the candidate's
// canonical key (search.Space.Key); idx is its place in the strategy's
// order (the journal's index); record is the finished search.Record as
// the journal's line. state is pending, running (claimed by worker, until
// lease_until) or done. A schema_version other than 1, or a schema that
// holds tables but no meta, is refused: this package never migrates or
// touches tables it does not know.
//
// # Protocol
//
// Claim: one statement takes the pending trial of lowest idx, or a
// running one whose lease_until has passed, with SELECT ... FOR UPDATE
// SKIP LOCKED (concurrent claims skip each other's rows instead of
// waiting), sets state running, worker, lease_until = now() + lease and
// attempt + 1. Times are the server's: workers' clocks never meet.
//
// Lease: while it evaluates, a worker renews lease_until of the trials it
// holds (and its own heartbeat_at) every lease/3. A renewal that no longer
// finds a trial as its own (the lease expired and another worker claimed
// it) cancels that evaluation. A SIGKILLed worker stops renewing, so its
// trials become claimable one lease later and are redone once, by whoever
// claims them first.
//
// Finish: UPDATE ... SET state done, record WHERE worker and attempt are
// the claim's and state is running. A late finisher (its lease expired and
// the trial was claimed again) matches no row and its result is dropped:
// a result is never overwritten, and every trial has exactly one. As in
// Optuna, a finisher whose lease expired but whom nobody has replaced yet
// still finishes: the result is valid and nobody else holds the trial.
//
// Generation build: when a worker finds nothing to claim, it takes the
// study's transaction-scoped advisory lock and, if every trial is done,
// replays the search over the finished records with search.Next. Grid and
// random get every candidate at the study's creation; evolve gets its
// initial population then, and each later generation is built exactly
// once (the lock serialises builders; a second builder finds the new
// trials open and builds nothing), from the finished results of the
// previous one, with the same random stream as a single process. So a
// study evaluates exactly what search.Run with the same seed evaluates,
// whatever the number of workers and the order they finish in. When Next
// has nothing left, the builder marks the study complete; that worker
// writes the report.
//
// Failures: every statement (or transaction, as a whole) is retried with
// backoff from 50 ms to 5 s while the server is unreachable, restarting
// or shutting down, for up to Options.RetryFor; a finish whose commit
// succeeded but whose reply was lost is recognised on retry (done by this
// worker and attempt). Opening a store fails at once, in one line, for a
// bad URL, an unreachable server, wrong credentials or a missing
// database. Passwords (in the URL, PGPASSWORD or .pgpass, which pgx
// reads) appear in no message: URLs are shown masked (MaskURL).
//
// Stop: a worker that returns (study complete, context cancelled, an
// evaluation error) first stores evaluations that had finished, then
// releases its other claims back to pending, so nobody waits for their
// leases, and records stopped_at.
//
// Journals: Store.Export writes a study's finished trials as a new search
// journal; Store.WriteJournal writes the completed study's journal for its
// report, replacing a journal of the same search (search.Header.Differs)
// and refusing any other file. WriteStatus is the status as text.
// ExportJournal and Statuses return those results as documents (ExportDoc,
// StatusDoc: JSON, or text with WriteText); Pick names the store's only
// study when none is given.
package study
