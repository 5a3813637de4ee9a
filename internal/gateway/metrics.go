package gateway

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// observer exports request counts and latencies per API and outcome.
type observer struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// The series already used, by their labels: a lookup here costs less
	// than the vectors' (which format the status and hash every label on
	// each call). Both sets are bounded: APIs are the route table's and
	// the mux's patterns, codes the catalog's.
	mu        sync.RWMutex
	counters  map[outcome]prometheus.Counter
	latencies map[string]prometheus.Observer
}

type outcome struct {
	api    string
	status int
	code   string
}

func newObserver() *observer {
	o := &observer{
		counters: map[outcome]prometheus.Counter{}, latencies: map[string]prometheus.Observer{},
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aisd_requests_total", Help: "Requests by API, HTTP status and error code.",
		}, []string{"api", "status", "error_code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "aisd_request_duration_seconds", Help: "Request latency by API.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"api"}),
	}
	o.reg.MustRegister(o.requests, o.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return o
}

func (o *observer) observe(api string, status int, code string, d time.Duration) {
	k := outcome{api, status, code}
	o.mu.RLock()
	c, ok1 := o.counters[k]
	l, ok2 := o.latencies[api]
	o.mu.RUnlock()
	if !ok1 || !ok2 {
		o.mu.Lock()
		if c, ok1 = o.counters[k]; !ok1 {
			c = o.requests.WithLabelValues(api, strconv.Itoa(status), code)
			o.counters[k] = c
		}
		if l, ok2 = o.latencies[api]; !ok2 {
			l = o.latency.WithLabelValues(api)
			o.latencies[api] = l
		}
		o.mu.Unlock()
	}
	c.Inc()
	l.Observe(d.Seconds())
}

// Registry lets other packages export their own metrics on /metrics.
func (g *Gateway) Registry() *prometheus.Registry { return g.obs.reg }

// MetricsHandler serves Prometheus metrics.
func (g *Gateway) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(g.obs.reg, promhttp.HandlerOpts{})
}
