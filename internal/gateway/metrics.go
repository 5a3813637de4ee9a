package gateway

import (
	"net/http"
	"strconv"
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
}

func newObserver() *observer {
	o := &observer{
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
	o.requests.WithLabelValues(api, strconv.Itoa(status), code).Inc()
	o.latency.WithLabelValues(api).Observe(d.Seconds())
}

// Registry lets other packages export their own metrics on /metrics.
func (g *Gateway) Registry() *prometheus.Registry { return g.obs.reg }

// MetricsHandler serves Prometheus metrics.
func (g *Gateway) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(g.obs.reg, promhttp.HandlerOpts{})
}
