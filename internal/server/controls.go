package server

import (
	"context"
	"strconv"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/fault"
	"github.com/aisd/aisd/internal/platform/limits"
	"github.com/aisd/aisd/internal/platform/quota"
	"github.com/aisd/aisd/internal/platform/subscription"
)

// The platform controls as the gateway's chain links; New declares their
// order. Each answers its own error or passes the call on.

// throttleControl refuses a user over the API's rate limit; its rate-limit
// headers go on every answer.
func throttleControl(t *limits.Throttle) api.Control {
	return func(next api.Handler) api.Handler {
		return func(ctx context.Context, c *api.Call) (any, error) {
			d, err := t.Allow(ctx, c.UserID, c.ProjectID, c.API)
			if err != nil {
				return nil, err // the refusal carries the same headers
			}
			d.WriteHeaders(c.RespHeader)
			return next(ctx, c)
		}
	}
}

// bodyLimit refuses a body over the services' limit with the family's code
// (the gateway's own, larger limit answers APIG.0201 before this).
func bodyLimit(max int64) api.Control {
	return func(next api.Handler) api.Handler {
		return func(ctx context.Context, c *api.Call) (any, error) {
			if int64(len(c.Body)) > max {
				return nil, catalog.E(catalog.KindBodyTooLarge, strconv.FormatInt(max, 10))
			}
			return next(ctx, c)
		}
	}
}

// subscribed refuses a project that has not subscribed to the API.
func subscribed(s *subscription.Subscriptions) api.Control {
	return gate(func(ctx context.Context, c *api.Call) error { return s.Check(ctx, c.ProjectID, c.Service) })
}

// withinQuota refuses an unpaid account whose free allowance is used up.
func withinQuota(m *quota.Meter) api.Control {
	return gate(func(ctx context.Context, c *api.Call) error { return m.Check(ctx, c.Domain, c.ProjectID, c.Service) })
}

// injectFaults applies the operator's fault rules.
func injectFaults(in *fault.Injector) api.Control {
	return gate(func(ctx context.Context, c *api.Call) error { return in.Apply(ctx, c.ProjectID, c.API) })
}

// guarded runs the handler under the service's in-flight cap, deadline and
// circuit breaker.
func guarded(g *limits.Guard) api.Control {
	return func(next api.Handler) api.Handler {
		return func(ctx context.Context, c *api.Call) (any, error) {
			return g.Do(ctx, c.Service, func(ctx context.Context) (any, error) { return next(ctx, c) })
		}
	}
}

// gate is a control that refuses a call when check says so.
func gate(check func(context.Context, *api.Call) error) api.Control {
	return func(next api.Handler) api.Handler {
		return func(ctx context.Context, c *api.Call) (any, error) {
			if err := check(ctx, c); err != nil {
				return nil, err
			}
			return next(ctx, c)
		}
	}
}
