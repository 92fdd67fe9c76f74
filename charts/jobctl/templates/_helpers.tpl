{{/* The release's name for every object (trimmed to Kubernetes' 63 characters). */}}
{{- define "jobctl.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "jobctl.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "jobctl.labels" -}}
{{ include "jobctl.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "jobctl.apiKeySecret" -}}
{{- if .Values.apiKey.create -}}{{ include "jobctl.fullname" . }}-api-key{{- else -}}{{ .Values.apiKey.existingSecret }}{{- end -}}
{{- end -}}

{{- define "jobctl.image" -}}
{{- printf "%s:%s" .image.repository (.image.tag | default .appVersion) -}}
{{- end -}}

{{/* Whether state is in a database every replica reaches (PostgreSQL), not on the volume. */}}
{{- define "jobctl.sharedStore" -}}
{{- if or .Values.store.url .Values.store.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "jobctl.storeSecret" -}}
{{- .Values.store.existingSecret | default (printf "%s-store" (include "jobctl.fullname" .)) -}}
{{- end -}}
