{{- define "inception-serve.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "inception-serve.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "inception-serve.selectorLabels" -}}
app.kubernetes.io/name: {{ include "inception-serve.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "inception-serve.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "inception-serve.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The service's image: by digest when one is given, else by tag. */}}
{{- define "inception-serve.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* Tells the management Service from the application's, for the ServiceMonitor. */}}
{{- define "inception-serve.managementLabel" -}}
app.kubernetes.io/component: management
{{- end }}

{{/* The named container port that serves /actuator: its own, unless both ports are set to one number. */}}
{{- define "inception-serve.managementPortName" -}}
{{- if eq (int .Values.ports.management) (int .Values.ports.http) }}http{{ else }}management{{ end }}
{{- end }}

{{/* The Spring configuration the ConfigMap carries: the user's `config`, plus the served models from the model volume and the security settings. */}}
{{- define "inception-serve.applicationConfig" -}}
{{- $config := deepCopy (default (dict) .Values.config) }}
{{- $security := dict "mode" .Values.security.mode }}
{{- with .Values.security.oauth2.requiredScope }}
{{- $_ := set $security "required-scope" . }}
{{- end }}
{{- with .Values.security.corsAllowedOrigins }}
{{- $_ := set $security "cors" (dict "allowed-origins" .) }}
{{- end }}
{{- $inception := dict "security" $security }}
{{- $jwt := dict }}
{{- with .Values.security.oauth2.issuerUri }}
{{- $_ := set $jwt "issuer-uri" . }}
{{- end }}
{{- with .Values.security.oauth2.jwkSetUri }}
{{- $_ := set $jwt "jwk-set-uri" . }}
{{- end }}
{{- if $jwt }}
{{- $config = mustMergeOverwrite $config (dict "spring" (dict "security" (dict "oauth2" (dict "resourceserver" (dict "jwt" $jwt))))) }}
{{- end }}
{{- if ne .Values.models.source "bundled" }}
{{- $served := dict }}
{{- if not .Values.models.served }}
{{- fail "models.served must name the model directories to serve from the volume" }}
{{- end }}
{{- range $name, $dir := .Values.models.served }}
{{- $_ := set $served $name (printf "file:%s/%s/" (trimSuffix "/" $.Values.models.mountPath) (trimAll "/" $dir)) }}
{{- end }}
{{- $_ := set $inception "models" $served }}
{{- end }}
{{- with .Values.models.defaultModel }}
{{- $_ := set $inception "default-model" . }}
{{- end }}
{{- $config = mustMergeOverwrite $config (dict "inception" $inception) }}
{{- toYaml $config }}
{{- end }}

{{- define "inception-serve.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "inception-serve.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The fewest pods the release runs: the autoscaler's minimum, else the fixed count. */}}
{{- define "inception-serve.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ .Values.autoscaling.minReplicas }}{{ else }}{{ .Values.replicaCount }}{{ end }}
{{- end }}
