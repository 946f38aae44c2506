{{/* Names ------------------------------------------------------------------ */}}

{{- define "restack.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "restack.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component: <fullname>-<component>. Takes (dict "root" $ "name" "graph"). */}}
{{- define "restack.componentName" -}}
{{- printf "%s-%s" (include "restack.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "restack.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "restack.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels ----------------------------------------------------------------- */}}

{{- define "restack.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "restack.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: restack
{{- end -}}

{{/* Selector labels of one component. Takes (dict "root" $ "name" "graph"). */}}
{{- define "restack.componentSelector" -}}
app.kubernetes.io/name: {{ include "restack.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "restack.componentLabels" -}}
{{ include "restack.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Every restack service pod of this release (not NATS). */}}
{{- define "restack.servicePodSelector" -}}
app.kubernetes.io/name: {{ include "restack.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
restack/role: service
{{- end -}}

{{/* Images and NATS -------------------------------------------------------- */}}

{{/* <repositoryPrefix><service>:<tag>[@digest], or the service's own image. Takes (dict "root" $ "name" n "svc" s). */}}
{{- define "restack.image" -}}
{{- if .svc.image -}}
{{- .svc.image -}}
{{- else -}}
{{- $repo := printf "%s%s" .root.Values.image.repositoryPrefix .name -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- if .svc.digest -}}
{{- printf "%s:%s@%s" $repo $tag .svc.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "restack.natsName" -}}
{{- include "restack.componentName" (dict "root" . "name" "nats") -}}
{{- end -}}

{{/* The client URL every service connects to (restack.yaml nats.servers). */}}
{{- define "restack.natsUrl" -}}
{{- if .Values.nats.enabled -}}
{{- printf "nats://%s:4222" (include "restack.natsName" .) -}}
{{- else -}}
{{- required "nats.external.url is required when nats.enabled is false" .Values.nats.external.url -}}
{{- end -}}
{{- end -}}

{{- define "restack.configMapName" -}}
{{- default (include "restack.componentName" (dict "root" . "name" "config")) .Values.config.existingConfigMap -}}
{{- end -}}

{{- define "restack.admissionTlsSecret" -}}
{{- if .Values.admission.certManager.enabled -}}
{{- include "restack.componentName" (dict "root" . "name" "admission-tls") -}}
{{- else -}}
{{- required "admission.tlsSecret is required when admission.certManager.enabled is false" .Values.admission.tlsSecret -}}
{{- end -}}
{{- end -}}
