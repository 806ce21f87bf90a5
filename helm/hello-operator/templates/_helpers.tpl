{{/* Chart name, truncated to the 63 characters of a label value. */}}
{{- define "hello-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: the release name, with the chart name unless it already holds it. */}}
{{- define "hello-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hello-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hello-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hello-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "hello-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hello-api
{{- end -}}

{{- define "hello-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hello-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
One image reference: registry/repository then @digest or :tag, the tag
defaulting to images.tag, then to the chart's appVersion.
Call with (dict "image" .Values.images.api "root" .).
*/}}
{{- define "hello-operator.image" -}}
{{- $images := .root.Values.images -}}
{{- $repo := .image.repository -}}
{{- if $images.registry -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" $images.registry) $repo -}}
{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repo .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (.image.tag | default $images.tag | default .root.Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/*
The rules for the HelloApis and their children, shared by the ClusterRole
(every namespace) and the Role (watchNamespace). Every verb is one the
operator's code uses; nothing else, no wildcards:
- helloapis: list, watch (the controller's watch); helloapis/status: patch
  (the status write); helloapis/finalizers: update, because every child
  carries a controller owner reference with blockOwnerDeletion, which the
  OwnerReferencesPermissionEnforcement admission plugin checks when enabled.
- each child kind: get (read before apply and prune), list and watch (the
  controller owns them), patch (server-side apply) and create (a server-side
  apply that creates the object is authorized as create too).
- delete only where prune deletes: consumer Deployment and its ServiceAccount,
  Ingress, PodDisruptionBudget.
- configmaps get/list/watch also let the operator create each HelloApi's Role,
  which grants exactly those verbs (RBAC escalation check).
- events.k8s.io events: create, patch (the event recorder; patch for a series).
- pods: list, watch (a pod that cannot start wakes its HelloApi, and the
  status names its reason and the images the ready pods run); replicasets:
  list (which pods run the Deployment's newest revision). Read only.
*/}}
{{- define "hello-operator.rules" -}}
- apiGroups: [hello.dev]
  resources: [helloapis]
  verbs: [list, watch]
- apiGroups: [hello.dev]
  resources: [helloapis/status]
  verbs: [patch]
- apiGroups: [hello.dev]
  resources: [helloapis/finalizers]
  verbs: [update]
# Every kind the operator owns: prune may delete any of them (a child the
# spec no longer asks for, or left under an old name).
- apiGroups: [""]
  resources: [configmaps, services, serviceaccounts]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, networkpolicies]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
- apiGroups: [apps]
  resources: [replicasets]
  verbs: [list]
{{- end -}}
