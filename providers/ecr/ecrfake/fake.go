// Package ecrfake is a loopback stand-in for the AWS endpoints the ecr
// provider calls: ECR and ECR Public GetAuthorizationToken and STS
// AssumeRole. Point the real SDK at it with AWS_ENDPOINT_URL_ECR,
// AWS_ENDPOINT_URL_ECR_PUBLIC and AWS_ENDPOINT_URL_STS. It checks what a real
// endpoint would reject (the operation header, a SigV4 Authorization header
// with the right service and region) and issues tokens derived from the
// signing access key, so tests can tell identities apart.
//
// It is imported only from tests.
package ecrfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"time"
)

// Operation header values.
const (
	TargetPrivate = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
	TargetPublic  = "SpencerFrontendService.GetAuthorizationToken"
)

// RoleAccessKey is the access key id STS hands out for an assumed role.
const RoleAccessKey = "ASIAFAKEROLE0000001"

// Request is what the fake saw of one call.
type Request struct {
	// Op is "ecr", "ecr-public" or "sts:AssumeRole".
	Op string
	// AccessKey, Region and Service come from the SigV4 credential scope.
	AccessKey, Region, Service string
	// RoleARN and ExternalID are AssumeRole parameters.
	RoleARN, ExternalID string
}

// Server is the fake. Its fields may be changed between calls under no
// concurrent use.
type Server struct {
	*httptest.Server
	// TTL is the lifetime of issued tokens (default 12 h).
	TTL time.Duration
	// Fail, when set, is sent instead of a token: an AWS JSON error type
	// ("AccessDeniedException") with status 400.
	Fail string
	// Hang makes the fake never answer: each request waits until its
	// client gives up or the fake is closed (to test bounds).
	Hang bool

	mu      sync.Mutex
	reqs    []Request
	stop    chan struct{}
	stopped sync.Once
}

// New starts a fake on loopback. Close it when done.
func New() *Server {
	s := &Server{TTL: 12 * time.Hour, stop: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close releases hanging requests and shuts the fake down.
func (s *Server) Close() {
	s.stopped.Do(func() { close(s.stop) })
	s.Server.Close()
}

// Requests returns the calls seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Password is the password of the token the fake issues to accessKey for
// region.
func Password(accessKey, region string) string {
	return "pw-" + accessKey + "-" + region
}

var scopeRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request, SignedHeaders=[^ ]+, Signature=[0-9a-f]{64}$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Read the body first: the server notices a client that went away (and
	// cancels r.Context) only once the body is consumed.
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if s.Hang {
		select {
		case <-s.stop:
		case <-r.Context().Done():
		}
		return
	}
	m := scopeRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if r.Method != http.MethodPost || m == nil {
		awsError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "missing or malformed SigV4 Authorization")
		return
	}
	req := Request{AccessKey: m[1], Region: m[2], Service: m[3]}
	switch target := r.Header.Get("X-Amz-Target"); {
	case target == TargetPrivate && req.Service == "ecr":
		req.Op = "ecr"
	case target == TargetPublic && req.Service == "ecr-public" && req.Region == "us-east-1":
		req.Op = "ecr-public"
	case target == "" && req.Service == "sts":
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("Action") != "AssumeRole" {
			awsError(w, http.StatusBadRequest, "InvalidAction", "unsupported STS call")
			return
		}
		req.Op, req.RoleARN, req.ExternalID = "sts:AssumeRole", form.Get("RoleArn"), form.Get("ExternalId")
	default:
		awsError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("target %q for service %s in %s", target, req.Service, req.Region))
		return
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	if s.Fail != "" {
		awsError(w, http.StatusBadRequest, s.Fail, "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:GetAuthorizationToken")
		return
	}
	exp := time.Now().Add(s.TTL).Truncate(time.Second)
	tok := base64.StdEncoding.EncodeToString([]byte("AWS:" + Password(req.AccessKey, req.Region)))
	switch req.Op {
	case "ecr":
		writeJSON(w, map[string]any{"authorizationData": []any{map[string]any{
			"authorizationToken": tok, "expiresAt": exp.Unix(),
			"proxyEndpoint": "https://123456789012.dkr.ecr." + req.Region + ".amazonaws.com",
		}}})
	case "ecr-public":
		writeJSON(w, map[string]any{"authorizationData": map[string]any{"authorizationToken": tok, "expiresAt": exp.Unix()}})
	default:
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>`+
			`<AssumedRoleUser><Arn>%s/regkey</Arn><AssumedRoleId>AROAFAKE:regkey</AssumedRoleId></AssumedRoleUser>`+
			`<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey>`+
			`<SessionToken>rolesession</SessionToken><Expiration>%s</Expiration></Credentials>`+
			`</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
			req.RoleARN, RoleAccessKey, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v)
}

func awsError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}
