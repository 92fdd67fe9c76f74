// Command ecosystem-health computes what the GitOps ecosystem's own libraries say about a
// resource's health, so that tests check our statuses against the real thing, not a copy of
// its rules:
//
//   - kstatus (sigs.k8s.io/cli-utils/pkg/kstatus/status), which Flux and `kubectl wait`-style
//     tools use: Current, InProgress, Failed, ...
//   - Argo CD's Lua health checks, run in gopher-lua as Argo CD runs them: the object as the
//     global `obj`, a table with `status` and `message` returned;
//   - Flux's healthCheckExprs, evaluated with cel-go in Flux's order: observedGeneration first,
//     then inProgress, failed and current; none true means InProgress.
//
// Usage:
//
//	ecosystem-health eval --argocd DIR --flux FILE < objects.json
//	    objects.json is a JSON array of objects; prints a JSON array with, for each,
//	    {"kstatus": {...}, "argocd": {...}, "flux": {...}} (each {status, message} or {error}).
//	ecosystem-health argocd-tests DIR
//	    runs every health_test.yaml under DIR (Argo CD's resource_customizations layout);
//	    prints one line per case and exits 1 if any case differs.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kjson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

type verdict struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

type fluxCheck struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Current    string `json:"current"`
	InProgress string `json:"inProgress"`
	Failed     string `json:"failed"`
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: ecosystem-health eval|argocd-tests ...")
	}
	switch os.Args[1] {
	case "eval":
		flags := flag.NewFlagSet("eval", flag.ExitOnError)
		argocd := flags.String("argocd", "", "Argo CD resource_customizations folder")
		flux := flags.String("flux", "", "a YAML list of Flux healthCheckExprs entries")
		_ = flags.Parse(os.Args[2:])
		evalAll(*argocd, *flux)
	case "argocd-tests":
		if len(os.Args) != 3 {
			fail("usage: ecosystem-health argocd-tests DIR")
		}
		os.Exit(argocdTests(os.Args[2]))
	default:
		fail("unknown command " + os.Args[1])
	}
}

func fail(text string) {
	fmt.Fprintln(os.Stderr, text)
	os.Exit(2)
}

func evalAll(argocdDir, fluxFile string) {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err.Error())
	}
	// Kubernetes' decoder: whole numbers become int64, as kstatus expects of an object.
	var objects []map[string]any
	if err := kjson.Unmarshal(input, &objects); err != nil {
		fail("stdin: " + err.Error())
	}
	var checks []fluxCheck
	if fluxFile != "" {
		raw, err := os.ReadFile(fluxFile)
		if err != nil {
			fail(err.Error())
		}
		if err := yaml.Unmarshal(raw, &checks); err != nil {
			fail(fluxFile + ": " + err.Error())
		}
	}
	out := []map[string]verdict{}
	for _, object := range objects {
		result := map[string]verdict{"kstatus": kstatusOf(object)}
		if argocdDir != "" {
			result["argocd"] = argocdOf(argocdDir, object)
		}
		if fluxFile != "" {
			result["flux"] = fluxOf(checks, object)
		}
		out = append(out, result)
	}
	encoded, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(encoded))
}

func kstatusOf(object map[string]any) verdict {
	result, err := status.Compute(&unstructured.Unstructured{Object: object})
	if err != nil {
		return verdict{Error: err.Error()}
	}
	return verdict{Status: result.Status.String(), Message: result.Message}
}

// ---------------------------------------------------------------- Argo CD

func scriptFor(dir string, object map[string]any) string {
	apiVersion, _ := object["apiVersion"].(string)
	kind, _ := object["kind"].(string)
	group := strings.Split(apiVersion, "/")[0]
	return filepath.Join(dir, group, kind, "health.lua")
}

func argocdOf(dir string, object map[string]any) verdict {
	script, err := os.ReadFile(scriptFor(dir, object))
	if err != nil {
		return verdict{Error: err.Error()}
	}
	return runLua(string(script), object)
}

// runLua runs a health script with the libraries Argo CD opens for them (no os, io or debug).
func runLua(script string, object map[string]any) verdict {
	state := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer state.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
	} {
		state.Push(state.NewFunction(lib.open))
		state.Push(lua.LString(lib.name))
		state.Call(1, 0)
	}
	state.SetGlobal("obj", toLua(state, object))
	if err := state.DoString(script); err != nil {
		return verdict{Error: err.Error()}
	}
	returned, ok := state.Get(-1).(*lua.LTable)
	if !ok {
		return verdict{Error: "the script did not return a table"}
	}
	result := verdict{
		Status:  lua.LVAsString(returned.RawGetString("status")),
		Message: lua.LVAsString(returned.RawGetString("message")),
	}
	switch result.Status {
	case "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown":
		return result
	}
	return verdict{Error: fmt.Sprintf("%q is not an Argo CD health status", result.Status)}
}

// toLua converts decoded JSON as Argo CD does: objects and arrays become tables (arrays
// 1-based), numbers Lua numbers, null nil.
func toLua(state *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case map[string]any:
		table := state.NewTable()
		for key, item := range v {
			table.RawSetString(key, toLua(state, item))
		}
		return table
	case []any:
		table := state.NewTable()
		for _, item := range v {
			table.Append(toLua(state, item))
		}
		return table
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case nil:
		return lua.LNil
	}
	return lua.LString(fmt.Sprint(value))
}

type argocdTestFile struct {
	Tests []struct {
		HealthStatus struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"healthStatus"`
		InputPath string `json:"inputPath"`
	} `json:"tests"`
}

func argocdTests(root string) int {
	failed, cases := 0, 0
	err := filepath.WalkDir(root, func(path string, entry os.DirEntry, err error) error {
		if err != nil || entry.IsDir() || entry.Name() != "health_test.yaml" {
			return err
		}
		dir := filepath.Dir(path)
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var spec argocdTestFile
		if err := yaml.Unmarshal(raw, &spec); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
		if err != nil {
			return err
		}
		for _, test := range spec.Tests {
			cases++
			object, err := readObject(filepath.Join(dir, test.InputPath))
			if err != nil {
				return err
			}
			got := runLua(string(script), object)
			want := test.HealthStatus
			label := filepath.Join(dir, test.InputPath)
			if got.Error != "" || got.Status != want.Status || got.Message != want.Message {
				failed++
				fmt.Printf("FAIL %s: want %s %q, got %s %q %s\n", label, want.Status,
					want.Message, got.Status, got.Message, got.Error)
			} else {
				fmt.Printf("ok   %s: %s %q\n", label, got.Status, got.Message)
			}
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return 2
	}
	if cases == 0 {
		fmt.Println("no health_test.yaml case found under " + root)
		return 2
	}
	fmt.Printf("%d passed, %d failed\n", cases-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func readObject(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	converted, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var object map[string]any
	if err := kjson.Unmarshal(converted, &object); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return object, nil
}

// ------------------------------------------------------------------- Flux

func fluxOf(checks []fluxCheck, object map[string]any) verdict {
	apiVersion, _ := object["apiVersion"].(string)
	kind, _ := object["kind"].(string)
	for _, check := range checks {
		if check.APIVersion == apiVersion && check.Kind == kind {
			return fluxEvaluate(check, object)
		}
	}
	return verdict{Error: "no healthCheckExprs entry for " + apiVersion + " " + kind}
}

func fluxEvaluate(check fluxCheck, object map[string]any) verdict {
	u := &unstructured.Unstructured{Object: object}
	generation, hasGeneration, _ := unstructured.NestedInt64(object, "metadata", "generation")
	observed, hasObserved, _ := unstructured.NestedInt64(object, "status", "observedGeneration")
	if hasGeneration && hasObserved && generation != observed {
		return verdict{Status: status.InProgressStatus.String(),
			Message: fmt.Sprintf("%s generation is %d, but latest observed generation is %d",
				u.GetKind(), generation, observed)}
	}
	for _, step := range []struct {
		expr   string
		result status.Status
	}{
		{check.InProgress, status.InProgressStatus},
		{check.Failed, status.FailedStatus},
		{check.Current, status.CurrentStatus},
	} {
		if step.expr == "" {
			continue
		}
		value, err := evaluateCEL(step.expr, object)
		if err != nil {
			return verdict{Error: err.Error()}
		}
		if value {
			return verdict{Status: step.result.String()}
		}
	}
	return verdict{Status: status.InProgressStatus.String()}
}

// evaluateCEL evaluates a boolean expression over the object's top-level fields, as Flux does
// (`status.conditions...`, `metadata.generation`), with the string and optional extensions.
func evaluateCEL(expr string, object map[string]any) (bool, error) {
	options := []cel.EnvOption{ext.Strings(), cel.OptionalTypes()}
	for _, name := range []string{"apiVersion", "kind", "metadata", "spec", "status"} {
		options = append(options, cel.Variable(name, cel.DynType))
	}
	env, err := cel.NewEnv(options...)
	if err != nil {
		return false, err
	}
	ast, issues := env.Compile(expr)
	if issues != nil && issues.Err() != nil {
		return false, issues.Err()
	}
	program, err := env.Program(ast)
	if err != nil {
		return false, err
	}
	activation := map[string]any{}
	for key, value := range object {
		activation[key] = value
	}
	out, _, err := program.Eval(activation)
	if err != nil {
		return false, err
	}
	value, ok := out.Value().(bool)
	if !ok {
		return false, errors.New("the expression is not a boolean: " + expr)
	}
	return value, nil
}
