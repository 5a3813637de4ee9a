package obs

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/aisd/aisd/internal/config"
)

// checkTimeout bounds the request Open makes to an S3-compatible endpoint.
const checkTimeout = 15 * time.Second

// Open opens the object store the configuration names: the S3-compatible
// endpoint obs_endpoint when set — after one request proving that it
// answers, trusts the credential and, over TLS, presents a certificate we
// trust — else the local directory obs_dir (default data_dir/obs). The
// server and `aisd obs` open it alike, so both see the same buckets.
func Open(cfg config.Config) (Store, error) {
	if err := cfg.ValidateOBS(); err != nil {
		return nil, err
	}
	if cfg.OBSEndpoint == "" {
		dir := cfg.OBSDir
		if dir == "" {
			dir = filepath.Join(cfg.DataDir, "obs")
		}
		return NewLocal(dir)
	}
	host, secure, err := cfg.OBSEndpointHost()
	if err != nil {
		return nil, err
	}
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("obs: %w", err)
	}
	if cfg.OBSCAFile != "" {
		pem, err := os.ReadFile(cfg.OBSCAFile)
		if err != nil {
			return nil, fmt.Errorf("obs_ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("obs_ca_file %s: no PEM certificate in it", cfg.OBSCAFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	s, err := NewS3(S3Options{Endpoint: host, Secure: secure, AccessKey: cfg.OBSAccessKey, SecretKey: cfg.OBSSecretKey,
		Region: cfg.OBSRegion, BucketPrefix: cfg.OBSBucketPrefix, Transport: tr})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	if err := s.Check(ctx); err != nil {
		return nil, err
	}
	return s, nil
}
