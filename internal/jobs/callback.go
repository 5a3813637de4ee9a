package jobs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aisd/aisd/internal/store"
)

// postTimeout bounds one delivery attempt whatever the client's timeout.
const postTimeout = 30 * time.Second

// IdempotencyKeyHeader carries a callback's idempotency key: the job id.
// Delivery is at least once: a receiver that answered 2xx may get the same
// callback again when the answer was lost, or when the process that posted
// it died before recording the delivery (the next one posts it again once
// the attempt's lease runs out). A job reaches its final state once, so it
// has one callback, and the key is the same on every retry, from every
// process; receivers deduplicate by it.
const IdempotencyKeyHeader = "Idempotency-Key"

func (r *Runner) callbacks(ctx context.Context) {
	defer r.wg.Done()
	for !r.stopped(ctx) {
		r.deliverDue(ctx)
		if !r.idle(ctx, r.cbWake) {
			return
		}
	}
}

// deliverDue sends every callback whose next attempt is due.
func (r *Runner) deliverDue(ctx context.Context) {
	for !r.stopped(ctx) {
		js, err := r.st.PendingCallbacks(ctx, 32)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Error("listing pending callbacks", "err", err)
			}
			return
		}
		sent := 0
		for _, j := range js {
			if r.stopped(ctx) || j.CallbackAt.After(r.now()) {
				// Ordered by due time: the rest are not due either.
				return
			}
			r.deliver(ctx, j)
			sent++
		}
		if sent < 32 {
			return
		}
	}
}

// deliver makes one attempt and records its outcome: delivered, retry
// later with doubled delay, or failed after the last attempt.
func (r *Runner) deliver(ctx context.Context, j store.Job) {
	log := r.log.With("job_id", j.ID, "callback_host", hostOf(j.CallbackURL))
	// Reserve the attempt, so another process sharing the database does
	// not post the same callback; if this one dies, the lease runs out and
	// the attempt is made again.
	lease := r.clock().Add(postTimeout + 30*time.Second)
	ok, err := r.st.ClaimCallback(ctx, j.ID, j.CallbackAt, lease)
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			log.Error("reserving callback", "err", err)
		}
		return
	}
	j.CallbackAt = lease
	err = r.post(ctx, j)
	if ctx.Err() != nil {
		return // shutting down; the attempt is retried after restart
	}
	now := r.clock()
	j.CallbackAttempts++
	switch {
	case err == nil:
		log.Debug("callback delivered", "attempt", j.CallbackAttempts)
		j.CallbackState = store.CallbackDelivered
	case j.CallbackAttempts >= r.opt.CallbackAttempts:
		log.Warn("callback abandoned", "attempts", j.CallbackAttempts, "err", err)
		j.CallbackState = store.CallbackFailed
	default:
		d := r.opt.CallbackBackoff << (j.CallbackAttempts - 1)
		if d <= 0 || d > r.opt.CallbackMaxDelay {
			d = r.opt.CallbackMaxDelay
		}
		log.Info("callback failed, will retry", "attempt", j.CallbackAttempts, "in", d, "err", err)
		j.CallbackAt = now.Add(d)
	}
	j.UpdatedAt = now
	if err := r.st.UpdateJob(ctx, j); err != nil {
		log.Error("recording callback outcome", "err", err)
	}
}

func (r *Runner) post(ctx context.Context, j store.Job) error {
	body, err := r.opt.CallbackBody(j)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, postTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, j.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(IdempotencyKeyHeader, j.ID)
	if j.Seed != "" {
		req.Header.Set("X-Auth-Signature", Signature(j.Seed, FormatTime(j.CreatedAt), j.ID, j.RequestID))
	}
	resp, err := r.opt.CallbackClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("callback answered %s", resp.Status)
	}
	return nil
}

// hostOf names a callback target in logs without its path and query, which
// may carry the receiver's tokens.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Host
}
