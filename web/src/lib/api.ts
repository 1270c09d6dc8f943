// The one client for campuslink's HTTP API (docs/api.md): every screen goes through here,
// so language, CSRF and "signed out" are handled in one place.
import type { components, operations } from './api-types';
import { locale, t } from './i18n.svelte';

// Every body type here is the server's, generated from its OpenAPI document
// (api-types.ts, `npm run api-types`); the names are the ones the screens use.

type Schemas = components['schemas'];
type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Responses<Op extends keyof operations> = operations[Op]['responses'];
/** What an operation answers on success (its JSON 200 or 201 body). */
export type Answer<Op extends keyof operations> = Json<Responses<Op>[keyof Responses<Op> & (200 | 201)]>;
/** The JSON body an operation takes. */
export type Input<Op extends keyof operations> = Json<NonNullable<operations[Op]['requestBody']>>;
/** The query an operation takes. */
export type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

export type Id = string;
export type Role = Schemas['Role'];

export type School = Schemas['School'];
export type Campus = Schemas['Campus'];
export type SchoolWithCampuses = Schemas['SchoolWithCampuses'];
/** A department as the lists answer it: `exposed` only on a connected campus's directory. */
export type Department = Schemas['DepartmentOut'];
/** `login`, `role`, `status`, `phone`, `email` and `staff_no` are there only when the caller may see them. */
export type Member = Schemas['Member'];
export type MemberInput = Input<'create_member'>;
export type Me = Schemas['Me'];
export type FieldProblem = Schemas['FieldProblem'];
export type LineProblem = Schemas['LineProblem'];
/** The server's problem, or one the app makes itself (no network, an unexpected answer),
 *  which has no `type` or `title`. */
export type Problem = Omit<Schemas['Problem'], 'type' | 'title'> &
  Partial<Pick<Schemas['Problem'], 'type' | 'title'>>;
export type MemberPage = Schemas['MemberPage'];
export type NamesInput = Input<'create_school'>;
export type NamesPatch = Input<'update_school'>;

// Interconnection (校部互聯): filing, invitations, external directory, removal, audit.

export type FilingStatus = Schemas['FilingStatus'];
export type Filing = Schemas['FilingOut'];
export type IcCampus = Schemas['IcCampusOut'];
export type Interconnection = Schemas['InterconnectionOut'];
export type Invitation = Schemas['Invitation'];
/** What creating an invitation or a confirmation answers, once: the link and its QR code
 *  (`qr_svg` is an SVG document made by the server: no scripts, no style attributes). */
export type Shown = Pick<Schemas['InvitationCreated'], 'token' | 'url' | 'qr_svg'>;
export type InvitationPreview = Schemas['InvitationPreview'];
export type Exposure = Schemas['ExposureOut'];
export type ExposureInput = Input<'put_exposure'>;
export type ConnectedCampus = Schemas['ConnectedCampus'];
export type ConfirmationStatus = Schemas['ConfirmationStatus'];
export type Confirmation = Schemas['ConfirmationOut'];
export type ConfirmationPreview = Schemas['ConfirmationPreview'];

export const AUDIT_ACTIONS = [
  'filing_created',
  'filing_confirmed',
  'filing_rejected',
  'interconnection_created',
  'invitation_created',
  'invitation_revoked',
  'invitation_accepted',
  'exposure_set',
  'interconnection_published',
  'campus_removed',
  'interconnection_dissolved',
] as const;

export type AuditEntry = Schemas['AuditEntryOut'];
export type AuditQuery = Omit<QueryOf<'audit'>, 'format'>;

// Conversations (docs/chat.md): direct and group chats, messages, read positions.

/** A person as a conversation names them. */
export type MemberRef = Schemas['MemberRef'];
export type SystemAction = Schemas['SystemAction'];
/** `text` is "" once recalled. */
export type Message = Schemas['MessageOut'];
/** `name` is "" for a direct chat: the app shows the peer's name. */
export type Conversation = Schemas['ConversationOut'];
export type ConversationMember = Schemas['MemberOut'];
export type CampusNames = Schemas['CampusName'];
export type ConversationDetail = Schemas['DetailOut'];
export type NotificationSettings = Schemas['NotificationSettings'];
export type MessagePage = Schemas['PageOut'];
/** Who has read a message and who has not. */
export type Readers = Schemas['ReadersOut'];
/** What a message send carries, over the socket or REST alike. */
export type SendInput = Schemas['SendInput'];
/** A live event: its place in the log, its kind and what happened. */
export type EventFrame = Schemas['EventFrame'];
/** A frame the server sends that is not an event. */
export type ControlFrame = Schemas['ControlFrame'];
/** A message found by history search, with its conversation. */
export type SearchHit = Schemas['SearchHit'];
export type SearchResults = Schemas['SearchOut'];
export type SearchQuery = QueryOf<'search_messages'>;
/** A picture, file or voice message; `url` serves its bytes to the conversation's members. */
export type Attachment = Schemas['AttachmentOut'];
export type AttachmentKind = Schemas['AttachmentKind'];
export type Reaction = Schemas['ReactionOut'];
/** My own settings for a conversation; each optional. */
export type ConversationPrefs = Input<'conversation_settings'>;
export type Announcement = Schemas['AnnouncementOut'];

// Calls and meetings (docs/calls.md).

/** A call as every answer and the `call` event give it. */
export type Call = Schemas['CallOut'];
export type CallParticipant = Schemas['ParticipantOut'];
/** What a participant shows of itself: muted, camera, screen, raised hand. */
export type CallState = Input<'set_call_state'>;
export type CallNotice = Schemas['Notice'];
export type IceServer = Schemas['IceServer'];

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.code);
    this.status = problem.status;
    this.problem = problem;
  }

  /** The server's message for one input field, if it named that field. */
  field(name: string): string {
    return this.problem.errors?.find((e) => e.field === name)?.message ?? '';
  }
}

/** The Problem of any thrown value, so screens can show every failure the same way. */
export function problemOf(e: unknown): Problem {
  if (e instanceof ApiError) return e.problem;
  return { status: 0, code: 'client_error', detail: e instanceof Error ? e.message : String(e) };
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

let unauthorized: () => void = () => {};

/** Called whenever the server says the session is gone (401), except for the login itself. */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

// Kept from the login answer in case the cookie is not readable (it should be).
let csrfFromLogin: string | null = null;

function csrfToken(): string | null {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'campuslink_csrf') return decodeURIComponent(v.join('='));
  }
  return csrfFromLogin;
}

type Query = Record<string, string | number | boolean | null | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

interface RequestOptions<Op extends keyof operations> {
  query?: QueryOf<Op> & Query;
  json?: Input<Op>;
  body?: BodyInit;
  contentType?: string;
  /** The login call answers 401 for a wrong password; that is no lost session. */
  noSessionCheck?: boolean;
}

/** What an operation answers: its JSON body, or nothing (204). */
type Result<Op extends keyof operations> = [Answer<Op>] extends [never] ? void : Answer<Op>;

/**
 * One operation of the API, named by its operation id (`request<'list_members'>(…)`), so
 * its body, query and answer are the server's types.
 */
async function request<Op extends keyof operations = never>(
  method: string,
  path: string,
  opts: RequestOptions<Op> = {},
): Promise<Result<Op>> {
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': locale.lang,
  };
  let body: BodyInit | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.contentType) {
    headers['Content-Type'] = opts.contentType;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }

  let res: Response;
  try {
    res = await fetch(withQuery(`/api/v1${path}`, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError({ status: 0, code: 'network_error', detail: t('error-network') });
  }

  if (res.ok) {
    if (res.status === 204) return undefined as Result<Op>;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as Result<Op>;
  }

  const problem = await readProblem(res);
  if (res.status === 401 && !opts.noSessionCheck) unauthorized();
  throw new ApiError(problem);
}

async function readProblem(res: Response): Promise<Problem> {
  try {
    const p = (await res.json()) as Partial<Problem>;
    if (p && typeof p === 'object' && typeof p.code === 'string') {
      return { ...p, status: res.status, code: p.code, detail: p.detail || p.title || p.code };
    }
  } catch {
    // Not problem+json (a proxy's error page, say): described below.
  }
  return {
    status: res.status,
    code: 'unexpected_response',
    detail: t('error-unexpected', { status: res.status }),
  };
}

/**
 * Uploads an attachment's bytes (`upload_attachment`). XMLHttpRequest, not fetch: only it
 * reports upload progress, which a teacher sending a 100 MB video on a phone wants to see.
 */
function upload(
  path: string,
  body: Blob,
  contentType: string,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1${path}`);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Accept-Language', locale.lang);
    xhr.setRequestHeader('Content-Type', contentType || 'application/octet-stream');
    const token = csrfToken();
    if (token) xhr.setRequestHeader('X-CSRF-Token', token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON: described below.
      }
      if (xhr.status === 201 && parsed) return resolve(parsed as Attachment);
      const p = parsed as Partial<Problem> | null;
      if (xhr.status === 401) unauthorized();
      reject(
        new ApiError(
          p && typeof p.code === 'string'
            ? { ...p, status: xhr.status, code: p.code, detail: p.detail || p.code }
            : { status: xhr.status, code: 'unexpected_response', detail: t('error-unexpected', { status: xhr.status }) },
        ),
      );
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'network_error', detail: t('error-network') }));
    xhr.onabort = () => reject(new ApiError({ status: 0, code: 'aborted', detail: t('chat-upload-cancelled') }));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(body);
  });
}

function fileType(file: File, fallback: string): string {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv')) return 'text/csv';
  if (name.endsWith('.xlsx')) return XLSX_TYPE;
  return file.type || fallback;
}

const enc = encodeURIComponent;

export const api = {
  // Accounts
  async login(login: string, password: string) {
    const r = await request<'login'>('POST', '/auth/login', {
      json: { login, password },
      noSessionCheck: true,
    });
    csrfFromLogin = r.csrf_token;
    return r.me;
  },
  async logout() {
    try {
      await request<'logout'>('POST', '/auth/logout', { noSessionCheck: true });
    } finally {
      csrfFromLogin = null;
    }
  },
  me: () => request<'me'>('GET', '/me', { noSessionCheck: true }),
  changePassword: (current_password: string, new_password: string) =>
    request<'change_password'>('POST', '/me/password', { json: { current_password, new_password } }),

  // Registry (bureau)
  schools: () => request<'list_schools'>('GET', '/schools'),
  createSchool: (input: NamesInput) => request<'create_school'>('POST', '/schools', { json: input }),
  updateSchool: (id: Id, patch: NamesPatch) =>
    request<'update_school'>('PATCH', `/schools/${enc(id)}`, { json: patch }),
  createCampus: (schoolId: Id, input: NamesInput) =>
    request<'create_campus'>('POST', `/schools/${enc(schoolId)}/campuses`, { json: input }),
  updateCampus: (id: Id, patch: NamesPatch) =>
    request<'update_campus'>('PATCH', `/campuses/${enc(id)}`, { json: patch }),
  campusAdmins: (campusId: Id) => request<'list_admins'>('GET', `/campuses/${enc(campusId)}/admins`),
  createCampusAdmin: (campusId: Id, input: Input<'create_admin'>) =>
    request<'create_admin'>('POST', `/campuses/${enc(campusId)}/admins`, { json: input }),
  importRegistry: (file: File) =>
    request<'import_registry'>('POST', '/registry/import', {
      body: file,
      contentType: fileType(file, 'text/csv'),
    }),
  registryTemplateUrl: () => '/api/v1/registry/template.csv',

  // Directory
  departments: (campusId: Id) => request<'list_departments'>('GET', `/campuses/${enc(campusId)}/departments`),
  createDepartment: (campusId: Id, input: Input<'create_department'>) =>
    request<'create_department'>('POST', `/campuses/${enc(campusId)}/departments`, { json: input }),
  renameDepartment: (campusId: Id, id: Id, input: Input<'rename_department'>) =>
    request<'rename_department'>('PATCH', `/campuses/${enc(campusId)}/departments/${enc(id)}`, { json: input }),
  moveDepartment: (campusId: Id, id: Id, parent_id: Id | null, position: number) =>
    request<'move_department'>('POST', `/campuses/${enc(campusId)}/departments/${enc(id)}/move`, {
      json: { parent_id, position },
    }),
  deleteDepartment: (campusId: Id, id: Id) =>
    request<'delete_department'>('DELETE', `/campuses/${enc(campusId)}/departments/${enc(id)}`),

  members: (campusId: Id, q: QueryOf<'list_members'> = {}) =>
    request<'list_members'>('GET', `/campuses/${enc(campusId)}/members`, {
      query: { ...q, include_disabled: q.include_disabled || undefined },
    }),
  member: (campusId: Id, id: Id) =>
    request<'get_member'>('GET', `/campuses/${enc(campusId)}/members/${enc(id)}`),
  createMember: (campusId: Id, input: MemberInput) =>
    request<'create_member'>('POST', `/campuses/${enc(campusId)}/members`, { json: input }),
  updateMember: (campusId: Id, id: Id, input: Input<'update_member'>) =>
    request<'update_member'>('PATCH', `/campuses/${enc(campusId)}/members/${enc(id)}`, { json: input }),
  disableMember: (campusId: Id, id: Id) =>
    request<'disable_member'>('POST', `/campuses/${enc(campusId)}/members/${enc(id)}/disable`),
  enableMember: (campusId: Id, id: Id) =>
    request<'enable_member'>('POST', `/campuses/${enc(campusId)}/members/${enc(id)}/enable`),
  resetPassword: (campusId: Id, id: Id, new_password: string) =>
    request<'reset_password'>('POST', `/campuses/${enc(campusId)}/members/${enc(id)}/reset-password`, {
      json: { new_password },
    }),
  importMembers: (campusId: Id, file: File) =>
    request<'import_members'>('POST', `/campuses/${enc(campusId)}/members/import`, {
      body: file,
      contentType: fileType(file, 'application/octet-stream'),
    }),
  exportUrl: (campusId: Id, format: 'csv' | 'xlsx') =>
    `/api/v1/campuses/${enc(campusId)}/members/export?format=${format}`,
  templateUrl: (campusId: Id, format: 'csv' | 'xlsx') =>
    `/api/v1/campuses/${enc(campusId)}/members/template?format=${format}`,

  // Filing (備案)
  schoolCampuses: () => request<'my_school_campuses'>('GET', '/me/school-campuses'),
  createFiling: (campus_ids: Id[]) => request<'create_filing'>('POST', '/filings', { json: { campus_ids } }),
  filings: (status?: FilingStatus | '') =>
    request<'list_filings'>('GET', '/filings', { query: { status: status || undefined } }),
  confirmFiling: (id: Id) => request<'confirm_filing'>('POST', `/filings/${enc(id)}/confirm`),
  rejectFiling: (id: Id, reason: string) =>
    request<'reject_filing'>('POST', `/filings/${enc(id)}/reject`, { json: { reason } }),

  // Interconnections and invitations (互聯企業, 邀請企業加入, 建立互聯)
  interconnections: () => request<'list_interconnections'>('GET', '/interconnections'),
  createInterconnection: (name: string) =>
    request<'create_interconnection'>('POST', '/interconnections', { json: { name } }),
  createInvitation: (icId: Id) =>
    request<'create_invitation'>('POST', `/interconnections/${enc(icId)}/invitations`),
  invitations: (icId: Id) => request<'list_invitations'>('GET', `/interconnections/${enc(icId)}/invitations`),
  revokeInvitation: (id: Id) => request<'revoke_invitation'>('POST', `/invitations/${enc(id)}/revoke`),
  invitationPreview: (token: string) =>
    request<'preview_invitation'>('GET', '/invitations/preview', { query: { token } }),
  acceptInvitation: (token: string) =>
    request<'accept_invitation'>('POST', '/invitations/accept', { json: { token } }),

  // External directory (導入部門/成員) and publishing (未發布 → 已發布)
  exposure: (icId: Id, campusId: Id) =>
    request<'get_exposure'>('GET', `/interconnections/${enc(icId)}/exposure/${enc(campusId)}`),
  setExposure: (icId: Id, campusId: Id, input: ExposureInput) =>
    request<'put_exposure'>('PUT', `/interconnections/${enc(icId)}/exposure/${enc(campusId)}`, { json: input }),
  publish: (icId: Id) => request<'publish'>('POST', `/interconnections/${enc(icId)}/publish`),
  connectedCampuses: () => request<'connected_campuses'>('GET', '/connected-campuses'),

  // Removing a campus (移除) with the identity confirmation
  startRemoval: (icId: Id, campusId: Id) =>
    request<'start_removal'>('POST', `/interconnections/${enc(icId)}/campuses/${enc(campusId)}/removal`),
  confirmation: (id: Id) => request<'get_confirmation'>('GET', `/confirmations/${enc(id)}`),
  confirmationPreview: (token: string) =>
    request<'preview_confirmation'>('GET', '/confirmations/preview', { query: { token } }),
  approveConfirmation: (token: string) =>
    request<'approve_confirmation'>('POST', '/confirmations/approve', { json: { token } }),
  confirmWithPassword: (id: Id, password: string) =>
    request<'confirm_with_password'>('POST', `/confirmations/${enc(id)}/password`, { json: { password } }),
  removeCampus: (icId: Id, campusId: Id, confirmationId: Id) =>
    request<'remove_campus'>('DELETE', `/interconnections/${enc(icId)}/campuses/${enc(campusId)}`, {
      query: { confirmation_id: confirmationId },
    }),

  // Conversations (docs/chat.md)
  conversations: () => request<'list_conversations'>('GET', '/conversations'),
  conversation: (id: Id) => request<'get_conversation'>('GET', `/conversations/${enc(id)}`),
  startDirect: (member_id: Id) => request<'open_direct'>('POST', '/conversations/direct', { json: { member_id } }),
  createGroup: (member_ids: Id[], name?: string) =>
    request<'create_group'>('POST', '/conversations/group', { json: name ? { name, member_ids } : { member_ids } }),
  renameGroup: (id: Id, name: string) =>
    request<'rename_conversation'>('PATCH', `/conversations/${enc(id)}`, { json: { name } }),
  addMembers: (id: Id, member_ids: Id[]) =>
    request<'add_members'>('POST', `/conversations/${enc(id)}/members`, { json: { member_ids } }),
  removeMember: (id: Id, memberId: Id) =>
    request<'remove_member'>('DELETE', `/conversations/${enc(id)}/members/${enc(memberId)}`),
  transferOwner: (id: Id, member_id: Id) =>
    request<'transfer_ownership'>('POST', `/conversations/${enc(id)}/owner`, { json: { member_id } }),
  dissolveGroup: (id: Id) => request<'dissolve_conversation'>('DELETE', `/conversations/${enc(id)}`),
  messages: (id: Id, q: QueryOf<'list_messages'> = {}) =>
    request<'list_messages'>('GET', `/conversations/${enc(id)}/messages`, { query: { ...q } }),
  searchMessages: (q: SearchQuery) => request<'search_messages'>('GET', '/search/messages', { query: { ...q } }),
  sendMessage: (id: Id, input: SendInput) =>
    request<'send_message'>('POST', `/conversations/${enc(id)}/messages`, { json: input }),
  recallMessage: (id: Id, messageId: Id) =>
    request<'recall_message'>('POST', `/conversations/${enc(id)}/messages/${enc(messageId)}/recall`),
  markRead: (id: Id, position: number) =>
    request<'mark_read'>('POST', `/conversations/${enc(id)}/read`, { json: { position } }),
  readers: (id: Id, messageId: Id) =>
    request<'readers'>('GET', `/conversations/${enc(id)}/messages/${enc(messageId)}/readers`),
  addReaction: (id: Id, messageId: Id, emoji: string) =>
    request<'add_reaction'>('PUT', `/conversations/${enc(id)}/messages/${enc(messageId)}/reactions/${enc(emoji)}`),
  removeReaction: (id: Id, messageId: Id, emoji: string) =>
    request<'remove_reaction'>('DELETE', `/conversations/${enc(id)}/messages/${enc(messageId)}/reactions/${enc(emoji)}`),
  conversationSettings: (id: Id, prefs: ConversationPrefs) =>
    request<'conversation_settings'>('PATCH', `/conversations/${enc(id)}/settings`, { json: prefs }),
  setAnnouncement: (id: Id, text: string) =>
    request<'set_announcement'>('PUT', `/conversations/${enc(id)}/announcement`, { json: { text } }),
  seeAnnouncement: (id: Id) => request<'see_announcement'>('POST', `/conversations/${enc(id)}/announcement/seen`),
  forward: (id: Id, input: Input<'forward_messages'>) =>
    request<'forward_messages'>('POST', `/conversations/${enc(id)}/forward`, { json: input }),
  uploadAttachment: (
    id: Id,
    file: Blob,
    opts: { name: string; voice?: boolean; onProgress?: (fraction: number) => void; signal?: AbortSignal },
  ) =>
    upload(
      withQuery(`/conversations/${enc(id)}/attachments`, { name: opts.name, kind: opts.voice ? 'voice' : undefined }),
      file,
      file.type,
      opts.onProgress,
      opts.signal,
    ),

  // Calls and meetings
  calls: () => request<'list_calls'>('GET', '/calls'),
  iceServers: () => request<'ice_servers'>('GET', '/calls/ice-servers'),
  startCall: (conversationId: Id, video: boolean) =>
    request<'start_call'>('POST', `/conversations/${enc(conversationId)}/calls`, { json: { video } }),
  joinCall: (id: Id, sdp: string) => request<'join_call'>('POST', `/calls/${enc(id)}/join`, { json: { sdp } }),
  renegotiateCall: (id: Id, sdp: string) =>
    request<'renegotiate_call'>('POST', `/calls/${enc(id)}/renegotiate`, { json: { sdp } }),
  declineCall: (id: Id) => request<'decline_call'>('POST', `/calls/${enc(id)}/decline`),
  leaveCall: (id: Id) => request<'leave_call'>('POST', `/calls/${enc(id)}/leave`),
  setCallState: (id: Id, state: CallState) =>
    request<'set_call_state'>('POST', `/calls/${enc(id)}/state`, { json: state }),
  hostAction: (id: Id, memberId: Id, action: 'mute' | 'remove') =>
    request<'host_action'>('POST', `/calls/${enc(id)}/participants/${enc(memberId)}`, { json: { action } }),

  // Notifications on this device (Web Push)
  pushKey: () => request<'push_key'>('GET', '/push/key'),
  subscribePush: (input: Input<'subscribe_push'>) => request<'subscribe_push'>('POST', '/push/subscriptions', { json: input }),
  unsubscribePush: (endpoint: string) =>
    request<'unsubscribe_push'>('POST', '/push/subscriptions/delete', { json: { endpoint } }),

  // One's own notification settings, the same on every device (the e-mail digest, previews);
  // the digest is written in the language of the request that saves them.
  notificationSettings: () => request<'notification_settings'>('GET', '/me/notifications'),
  updateNotificationSettings: (input: Input<'update_notification_settings'>) =>
    request<'update_notification_settings'>('PATCH', '/me/notifications', { json: input }),

  // Audit log
  audit: (q: AuditQuery = {}) => request<'audit'>('GET', '/audit', { query: { ...q } }),
  auditCsvUrl: (q: AuditQuery = {}) => withQuery('/api/v1/audit', { ...q, format: 'csv' }),
};
