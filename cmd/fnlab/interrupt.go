package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// A long command says, when interrupted (ctrl+c, SIGTERM), what it had
// saved and the command that continues it. Results are saved atomically
// as they are made, so stopping at once loses nothing already saved.
var interrupt struct {
	sync.Mutex
	note func() string // what to say; nil: the default
	own  bool          // the command handles the signal itself (search)
}

// onInterrupt sets what an interrupted command says.
func onInterrupt(note func() string) {
	interrupt.Lock()
	interrupt.note = note
	interrupt.Unlock()
}

// handleInterruptItself marks a command that stops cleanly on its own
// signal handler (and prints its own note).
func handleInterruptItself() {
	interrupt.Lock()
	interrupt.own = true
	interrupt.Unlock()
}

// watchInterrupts prints the note and exits 130 on the first interrupt,
// unless the command handles it; a second one always exits.
func watchInterrupts(stderr io.Writer) {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		for n := 0; ; n++ {
			<-sig
			interrupt.Lock()
			note, own := interrupt.note, interrupt.own
			interrupt.Unlock()
			if own && n == 0 {
				continue
			}
			msg := "interrupted"
			if note != nil && !own {
				msg += ": " + note()
			}
			fmt.Fprintln(stderr, "fnlab: "+msg)
			os.Exit(130)
		}
	}()
}
