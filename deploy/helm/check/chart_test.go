// Package check lints and renders the Helm chart with Helm's own Go
// packages (what `helm lint` and `helm template` run). It is a module of
// its own so that Helm's Kubernetes dependencies stay out of aisd's:
//
//	cd deploy/helm/check && go test ./...
package check

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"sigs.k8s.io/yaml"
)

const chartDir = "../aisd"

// production are the values of a real installation: shared store, Redis
// and S3.
func production() map[string]any {
	return map[string]any{
		"replicas": 3,
		"workers":  map[string]any{"replicas": 2, "engines": []any{"ocr", "image"}},
		"postgres": map[string]any{"dsn": "postgres://aisd:pw@pg:5432/aisd"},
		"redis":    map[string]any{"url": "redis://redis:6379/0"},
		"s3":       map[string]any{"endpoint": "https://s3.internal:9000", "accessKey": "ak", "secretKey": "sk"},
		"config":   map[string]any{"rate_limit": 600},
	}
}

func TestLint(t *testing.T) {
	for name, vals := range map[string]map[string]any{"defaults for one replica": {"replicas": 1, "workers": map[string]any{"replicas": 0}}, "production": production()} {
		l := lint.All(chartDir, vals, "aisd", false)
		for _, m := range l.Messages {
			if m.Severity >= support.WarningSev {
				t.Errorf("%s: %s", name, m)
			}
		}
	}
}

func render(t *testing.T, vals map[string]any) (map[string]string, error) {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: "r", Namespace: "aisd", IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	return engine.Render(ch, rv)
}

type container struct {
	Args []string `json:"args"`
	Env  []struct {
		Name string `json:"name"`
	} `json:"env"`
}

type workload struct {
	Kind string `json:"kind"`
	Spec struct {
		Replicas int `json:"replicas"`
		Template struct {
			Spec struct {
				Containers []container `json:"containers"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

func TestTemplate(t *testing.T) {
	out, err := render(t, production())
	if err != nil {
		t.Fatal(err)
	}
	var serve, worker workload
	for name, doc := range out {
		if !strings.HasSuffix(name, ".yaml") {
			continue // NOTES.txt
		}
		for _, part := range strings.Split(doc, "\n---") {
			var w workload
			if err := yaml.Unmarshal([]byte(part), &w); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			switch w.Kind {
			case "Deployment":
				serve = w
			case "StatefulSet":
				worker = w
			}
		}
	}
	if serve.Spec.Replicas != 3 || worker.Spec.Replicas != 2 {
		t.Fatalf("replicas: serve %d, workers %d", serve.Spec.Replicas, worker.Spec.Replicas)
	}
	args := strings.Join(serve.Spec.Template.Spec.Containers[0].Args, " ")
	if !strings.Contains(args, "--workers=http://r-aisd-worker-0.r-aisd-worker:8090,http://r-aisd-worker-1.r-aisd-worker:8090") {
		t.Fatalf("serve args: %s", args)
	}
	if wargs := strings.Join(worker.Spec.Template.Spec.Containers[0].Args, " "); !strings.Contains(wargs, "--engines=ocr,image") {
		t.Fatalf("worker args: %s", wargs)
	}
	env := map[string]bool{}
	for _, e := range serve.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = true
	}
	for _, k := range []string{"AISD_DSN", "AISD_REDIS", "AISD_OBS_ENDPOINT", "AISD_OBS_ACCESS_KEY", "AISD_SERVER_KEY", "AISD_WORKER_KEY", "AISD_ROOT_AK"} {
		if !env[k] {
			t.Errorf("serve env lacks %s", k)
		}
	}

	// Several replicas without what they must share are refused.
	for _, drop := range []string{"postgres", "redis", "s3"} {
		vals := production()
		delete(vals, drop)
		if _, err := render(t, vals); err == nil || !strings.Contains(err.Error(), "replicas > 1") {
			t.Errorf("without %s: %v", drop, err)
		}
	}
}
