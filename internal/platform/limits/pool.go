package limits

import "sync/atomic"

// Guard runs each call in a goroutine of its own, so that it can answer at
// the deadline while a handler that cannot be interrupted (an inference)
// finishes. A fresh goroutine starts on a small stack and grows it, by
// copying, at every call that goes through the service chain (5-6 % of the
// CPU of a short text moderation call); a goroutine that served a call
// keeps its grown stack for the next one, so they are reused.

// idleRunners is where parked runners wait for work; a send succeeds only
// when one is waiting.
var idleRunners = make(chan func())

// parked counts the runners waiting; above maxParked a runner exits
// instead, so a burst does not leave its goroutines parked for good.
var parked atomic.Int32

const maxParked = 256

// goPooled runs f in a parked runner, or in a new one when none is free.
func goPooled(f func()) {
	select {
	case idleRunners <- f:
	default:
		go runner(f)
	}
}

func runner(f func()) {
	for {
		f()
		if parked.Add(1) > maxParked {
			parked.Add(-1)
			return
		}
		f = <-idleRunners
		parked.Add(-1)
	}
}
