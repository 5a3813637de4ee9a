// Package check lints and renders the Helm chart with Helm's own Go
// packages (what `helm lint` and `helm template` run). It is a module of
// its own so that Helm's Kubernetes dependencies stay out of aisd's:
//
//	cd deploy/helm/check && go test ./...
package check

import (
	"slices"
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
		Name      string `json:"name"`
		ValueFrom struct {
			FieldRef struct {
				FieldPath string `json:"fieldPath"`
			} `json:"fieldRef"`
		} `json:"valueFrom"`
	} `json:"env"`
}

type service struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		ClusterIP                string `json:"clusterIP"`
		PublishNotReadyAddresses bool   `json:"publishNotReadyAddresses"`
	} `json:"spec"`
}

type workload struct {
	Kind string `json:"kind"`
	Spec struct {
		Replicas    int    `json:"replicas"`
		ServiceName string `json:"serviceName"`
		Template    struct {
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
	services := map[string]service{}
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
			case "Service":
				var svc service
				if err := yaml.Unmarshal([]byte(part), &svc); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				services[svc.Metadata.Name] = svc
			}
		}
	}
	if serve.Spec.Replicas != 3 || worker.Spec.Replicas != 2 {
		t.Fatalf("replicas: serve %d, workers %d", serve.Spec.Replicas, worker.Spec.Replicas)
	}
	// The replicas find the workers in the store, not in a list fixed at
	// install time: scaling the workers needs no restart of the replicas.
	args := serve.Spec.Template.Spec.Containers[0].Args
	if !slices.Contains(args, "--workers=discover") {
		t.Fatalf("serve args %q: want --workers=discover", args)
	}
	wc := worker.Spec.Template.Spec.Containers[0]
	if !slices.Contains(wc.Args, "--engines=ocr,image") {
		t.Fatalf("worker args: %q", wc.Args)
	}
	// Each worker registers its own reachable URL: its pod name (from the
	// downward API, expanded by Kubernetes in the args) under the headless
	// Service of the StatefulSet, on the worker port.
	if !slices.Contains(wc.Args, "--advertise-url=http://$(POD_NAME).r-aisd-worker:8090") {
		t.Fatalf("worker args %q: want --advertise-url=http://$(POD_NAME).r-aisd-worker:8090", wc.Args)
	}
	podName := false
	for _, e := range wc.Env {
		if e.Name == "POD_NAME" {
			podName = e.ValueFrom.FieldRef.FieldPath == "metadata.name"
		}
	}
	if !podName {
		t.Errorf("worker env: want POD_NAME from the downward API's metadata.name")
	}
	hs, ok := services["r-aisd-worker"]
	if !ok || worker.Spec.ServiceName != "r-aisd-worker" || hs.Spec.ClusterIP != "None" || !hs.Spec.PublishNotReadyAddresses {
		t.Fatalf("worker service: StatefulSet serviceName %q, service %+v: want the headless r-aisd-worker publishing not-ready addresses", worker.Spec.ServiceName, hs)
	}
	wenv := map[string]bool{}
	for _, e := range wc.Env {
		wenv[e.Name] = true
	}
	if !wenv["AISD_DSN"] || !wenv["AISD_WORKER_KEY"] {
		t.Errorf("worker env lacks the store or the worker key, which registration needs: %v", wenv)
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
