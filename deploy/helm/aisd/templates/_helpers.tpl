{{- define "aisd.name" -}}{{ .Release.Name }}-aisd{{- end -}}
{{- define "aisd.labels" -}}
app.kubernetes.io/name: aisd
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
{{/* Environment every pod shares: store, Redis, S3 and the secrets. */}}
{{- define "aisd.env" -}}
- name: AISD_DSN
  valueFrom: {secretKeyRef: {name: {{ .Values.postgres.existingSecret | default (printf "%s-secrets" (include "aisd.name" .)) }}, key: dsn}}
{{- if or .Values.redis.url .Values.redis.existingSecret }}
- name: AISD_REDIS
  valueFrom: {secretKeyRef: {name: {{ .Values.redis.existingSecret | default (printf "%s-secrets" (include "aisd.name" .)) }}, key: url}}
{{- end }}
{{- if .Values.s3.endpoint }}
- name: AISD_OBS_ENDPOINT
  value: {{ .Values.s3.endpoint | quote }}
- name: AISD_OBS_REGION
  value: {{ .Values.s3.region | quote }}
- name: AISD_OBS_BUCKET_PREFIX
  value: {{ .Values.s3.bucketPrefix | quote }}
- name: AISD_OBS_ACCESS_KEY
  valueFrom: {secretKeyRef: {name: {{ .Values.s3.existingSecret | default (printf "%s-secrets" (include "aisd.name" .)) }}, key: accessKey}}
- name: AISD_OBS_SECRET_KEY
  valueFrom: {secretKeyRef: {name: {{ .Values.s3.existingSecret | default (printf "%s-secrets" (include "aisd.name" .)) }}, key: secretKey}}
{{- end }}
{{- range $k, $v := dict "AISD_SERVER_KEY" "serverKey" "AISD_WORKER_KEY" "workerKey" "AISD_ROOT_AK" "rootAK" "AISD_ROOT_SK" "rootSK" }}
- name: {{ $k }}
  valueFrom: {secretKeyRef: {name: {{ printf "%s-secrets" (include "aisd.name" $) }}, key: {{ $v }}}}
{{- end }}
- name: AISD_REGION
  value: {{ .Values.region | quote }}
{{- end -}}
