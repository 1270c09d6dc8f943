// The one client for campuslink's HTTP API (docs/api.md): every screen goes through here,
// so language, CSRF and "signed out" are handled in one place.
import { locale, t } from './i18n.svelte';

export type Id = string;
export type Role = 'bureau' | 'admin' | 'member';

export interface School {
  id: Id;
  code: string;
  name_zh: string;
  name_pt: string;
  name_en: string;
}

export interface Campus {
  id: Id;
  school_id: Id;
  code: string;
  name_zh: string;
  name_pt: string;
  name_en: string;
}

export type SchoolWithCampuses = School & { campuses: Campus[] };

export interface Department {
  id: Id;
  campus_id: Id;
  parent_id: Id | null;
  name_zh: string;
  name_pt: string;
  position: number;
  member_count: number;
  /** Only on a connected campus's external directory: false for an ancestor that is
   *  listed just to name the path to an exposed department. */
  exposed?: boolean;
}

export interface Member {
  id: Id;
  campus_id: Id;
  login: string;
  role: 'admin' | 'member';
  status: 'active' | 'disabled';
  name_zh: string;
  name_pt: string;
  title: string;
  phone: string;
  email: string;
  staff_no: string;
  department_ids: Id[];
}

export interface MemberInput {
  login: string;
  name_zh: string;
  name_pt?: string;
  title?: string;
  phone?: string;
  email?: string;
  staff_no?: string;
  department_ids: Id[];
  role?: 'admin' | 'member';
  password?: string;
}

export interface Me {
  id: Id;
  login: string;
  role: Role;
  name_zh: string;
  name_pt: string;
  campus: Campus | null;
  school: School | null;
}

export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

export interface LineProblem {
  line: number;
  column?: string | null;
  code: string;
  message: string;
}

export interface Problem {
  type?: string;
  status: number;
  code: string;
  title?: string;
  detail: string;
  errors?: FieldProblem[];
  lines?: LineProblem[];
}

export interface MemberPage {
  total: number;
  members: Member[];
}

export interface NamesInput {
  code: string;
  name_zh: string;
  name_pt: string;
  name_en: string;
}

export type NamesPatch = Partial<Omit<NamesInput, 'code'>>;

// Interconnection (校部互聯): filing, invitations, external directory, removal, audit.

export type FilingStatus = 'pending' | 'confirmed' | 'rejected';

export interface Filing {
  id: Id;
  number: string;
  school: School;
  campuses: Campus[];
  status: FilingStatus;
  reason: string;
  filed_by: { id: Id; name_zh: string; campus_code: string };
  created_at: number;
  decided_at: number | null;
}

export type IcCampus = Campus & { joined_at: number; exposed_members: number };

export interface Interconnection {
  id: Id;
  name: string;
  school_id: Id;
  initiator: Campus;
  published: boolean;
  published_at: number | null;
  dissolved: boolean;
  campuses: IcCampus[];
  my_role: 'initiator' | 'member' | 'former';
}

export interface Invitation {
  id: Id;
  interconnection_id: Id;
  created_at: number;
  expires_at: number;
}

/** What creating an invitation or a confirmation answers, once: the link and its QR code. */
export interface Shown {
  token: string;
  url: string;
  /** An SVG document made by the server: no scripts, no style attributes. */
  qr_svg: string;
}

export interface InvitationPreview {
  interconnection: { id: Id; name: string };
  inviting_campus: Campus;
  school: School;
  expires_at: number;
  /** Why this admin cannot accept (a refusal code of docs/api.md), or null. */
  refusal: string | null;
}

export interface Exposure {
  department_ids: Id[];
  member_ids: Id[];
  show_phone: boolean;
  show_email: boolean;
  exposed_members: number;
}

export type ExposureInput = Omit<Exposure, 'exposed_members'>;

export type ConnectedCampus = Campus & { interconnection_id: Id; interconnection_name: string };

export type ConfirmationStatus = 'pending' | 'approved' | 'used' | 'expired';

export interface Confirmation {
  id: Id;
  status: ConfirmationStatus;
  expires_at: number;
}

export interface ConfirmationPreview extends Confirmation {
  action: string;
  interconnection: { id: Id; name: string };
  target: Campus;
}

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

export interface AuditEntry {
  id: Id;
  at: number;
  actor_login: string | null;
  action: string;
  interconnection_id?: Id | null;
  campus_codes: string[];
  detail: unknown;
}

export interface AuditQuery {
  action?: string;
  since?: number;
  until?: number;
}

// Conversations (docs/chat.md): direct and group chats, messages, read positions.

/** A person as a conversation names them. */
export interface MemberRef {
  id: Id;
  name_zh: string;
  name_pt: string;
  campus_id: Id;
  title: string;
}

export type SystemAction =
  | 'created'
  | 'added'
  | 'removed'
  | 'left'
  | 'renamed'
  | 'owner_changed'
  | 'dissolved'
  | 'campus_disconnected';

export interface Message {
  id: Id;
  conversation_id: Id;
  position: number;
  client_id: string | null;
  kind: 'text' | 'system';
  sender: MemberRef | null;
  /** "" once recalled. */
  text: string;
  mentions: Id[];
  mention_all: boolean;
  reply_to: { id: Id; sender: MemberRef | null; text: string; recalled: boolean } | null;
  system: { action: SystemAction | string; actor: MemberRef | null; members: MemberRef[]; name: string } | null;
  recalled: boolean;
  created_at: number;
}

export interface Conversation {
  id: Id;
  kind: 'direct' | 'group';
  /** "" for a direct chat: the app shows the peer's name. */
  name: string;
  home_campus_id: Id;
  owner_id: Id | null;
  peer: MemberRef | null;
  member_count: number;
  last_message: Message | null;
  last_position: number;
  read_position: number;
  unread: number;
  read_only: boolean;
  left: boolean;
  dissolved: boolean;
}

export type ConversationMember = MemberRef & { role: 'owner' | 'member'; read_position: number };

export interface CampusNames {
  name_zh: string;
  name_pt: string;
  name_en: string;
}

export type ConversationDetail = Conversation & {
  members: ConversationMember[];
  campuses: Record<Id, CampusNames>;
};

export interface MessagePage {
  messages: Message[];
  has_more: boolean;
}

/** What a message send carries, over the socket or REST alike. */
export interface SendInput {
  client_id: string;
  text: string;
  reply_to?: Id;
  mentions?: Id[];
  mention_all?: boolean;
}

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

interface RequestOptions {
  query?: Query;
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  /** The login call answers 401 for a wrong password; that is no lost session. */
  noSessionCheck?: boolean;
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
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
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
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
    const r = await request<{ token: string; csrf_token: string; me: Me }>('POST', '/auth/login', {
      json: { login, password },
      noSessionCheck: true,
    });
    csrfFromLogin = r.csrf_token;
    return r.me;
  },
  async logout() {
    try {
      await request<void>('POST', '/auth/logout', { noSessionCheck: true });
    } finally {
      csrfFromLogin = null;
    }
  },
  me: () => request<Me>('GET', '/me', { noSessionCheck: true }),
  changePassword: (current_password: string, new_password: string) =>
    request<void>('POST', '/me/password', { json: { current_password, new_password } }),

  // Registry (bureau)
  schools: () => request<SchoolWithCampuses[]>('GET', '/schools'),
  createSchool: (input: NamesInput) => request<School>('POST', '/schools', { json: input }),
  updateSchool: (id: Id, patch: NamesPatch) =>
    request<School>('PATCH', `/schools/${enc(id)}`, { json: patch }),
  createCampus: (schoolId: Id, input: NamesInput) =>
    request<Campus>('POST', `/schools/${enc(schoolId)}/campuses`, { json: input }),
  updateCampus: (id: Id, patch: NamesPatch) =>
    request<Campus>('PATCH', `/campuses/${enc(id)}`, { json: patch }),
  campusAdmins: (campusId: Id) => request<Member[]>('GET', `/campuses/${enc(campusId)}/admins`),
  createCampusAdmin: (
    campusId: Id,
    input: { login: string; name_zh: string; name_pt: string; password: string },
  ) => request<Member>('POST', `/campuses/${enc(campusId)}/admins`, { json: input }),
  importRegistry: (file: File) =>
    request<{ schools_created: number; campuses_created: number }>('POST', '/registry/import', {
      body: file,
      contentType: fileType(file, 'text/csv'),
    }),
  registryTemplateUrl: () => '/api/v1/registry/template.csv',

  // Directory
  departments: (campusId: Id) =>
    request<Department[]>('GET', `/campuses/${enc(campusId)}/departments`),
  createDepartment: (campusId: Id, input: { name_zh: string; name_pt?: string; parent_id?: Id | null }) =>
    request<Department>('POST', `/campuses/${enc(campusId)}/departments`, { json: input }),
  renameDepartment: (campusId: Id, id: Id, input: { name_zh?: string; name_pt?: string }) =>
    request<Department>('PATCH', `/campuses/${enc(campusId)}/departments/${enc(id)}`, { json: input }),
  moveDepartment: (campusId: Id, id: Id, parent_id: Id | null, position: number) =>
    request<Department>('POST', `/campuses/${enc(campusId)}/departments/${enc(id)}/move`, {
      json: { parent_id, position },
    }),
  deleteDepartment: (campusId: Id, id: Id) =>
    request<void>('DELETE', `/campuses/${enc(campusId)}/departments/${enc(id)}`),

  members: (
    campusId: Id,
    q: { department_id?: Id | null; q?: string; include_disabled?: boolean; limit?: number; offset?: number } = {},
  ) =>
    request<MemberPage>('GET', `/campuses/${enc(campusId)}/members`, {
      query: { ...q, include_disabled: q.include_disabled ? 'true' : undefined },
    }),
  member: (campusId: Id, id: Id) => request<Member>('GET', `/campuses/${enc(campusId)}/members/${enc(id)}`),
  createMember: (campusId: Id, input: MemberInput) =>
    request<Member>('POST', `/campuses/${enc(campusId)}/members`, { json: input }),
  updateMember: (campusId: Id, id: Id, input: Partial<MemberInput>) =>
    request<Member>('PATCH', `/campuses/${enc(campusId)}/members/${enc(id)}`, { json: input }),
  disableMember: (campusId: Id, id: Id) =>
    request<Member>('POST', `/campuses/${enc(campusId)}/members/${enc(id)}/disable`),
  enableMember: (campusId: Id, id: Id) =>
    request<Member>('POST', `/campuses/${enc(campusId)}/members/${enc(id)}/enable`),
  resetPassword: (campusId: Id, id: Id, new_password: string) =>
    request<void>('POST', `/campuses/${enc(campusId)}/members/${enc(id)}/reset-password`, {
      json: { new_password },
    }),
  importMembers: (campusId: Id, file: File) =>
    request<{ created: number; updated: number }>('POST', `/campuses/${enc(campusId)}/members/import`, {
      body: file,
      contentType: fileType(file, 'application/octet-stream'),
    }),
  exportUrl: (campusId: Id, format: 'csv' | 'xlsx') =>
    `/api/v1/campuses/${enc(campusId)}/members/export?format=${format}`,
  templateUrl: (campusId: Id, format: 'csv' | 'xlsx') =>
    `/api/v1/campuses/${enc(campusId)}/members/template?format=${format}`,

  // Filing (備案)
  schoolCampuses: () => request<Campus[]>('GET', '/me/school-campuses'),
  createFiling: (campus_ids: Id[]) => request<Filing>('POST', '/filings', { json: { campus_ids } }),
  filings: (status?: FilingStatus | '') => request<Filing[]>('GET', '/filings', { query: { status } }),
  confirmFiling: (id: Id) => request<Filing>('POST', `/filings/${enc(id)}/confirm`),
  rejectFiling: (id: Id, reason: string) =>
    request<Filing>('POST', `/filings/${enc(id)}/reject`, { json: { reason } }),

  // Interconnections and invitations (互聯企業, 邀請企業加入, 建立互聯)
  interconnections: () => request<Interconnection[]>('GET', '/interconnections'),
  createInterconnection: (name: string) =>
    request<Interconnection>('POST', '/interconnections', { json: { name } }),
  createInvitation: (icId: Id) =>
    request<Invitation & Shown>('POST', `/interconnections/${enc(icId)}/invitations`),
  invitations: (icId: Id) => request<Invitation[]>('GET', `/interconnections/${enc(icId)}/invitations`),
  revokeInvitation: (id: Id) => request<void>('POST', `/invitations/${enc(id)}/revoke`),
  invitationPreview: (token: string) =>
    request<InvitationPreview>('GET', '/invitations/preview', { query: { token } }),
  acceptInvitation: (token: string) =>
    request<Interconnection>('POST', '/invitations/accept', { json: { token } }),

  // External directory (導入部門/成員) and publishing (未發布 → 已發布)
  exposure: (icId: Id, campusId: Id) =>
    request<Exposure>('GET', `/interconnections/${enc(icId)}/exposure/${enc(campusId)}`),
  setExposure: (icId: Id, campusId: Id, input: ExposureInput) =>
    request<Exposure>('PUT', `/interconnections/${enc(icId)}/exposure/${enc(campusId)}`, { json: input }),
  publish: (icId: Id) => request<Interconnection>('POST', `/interconnections/${enc(icId)}/publish`),
  connectedCampuses: () => request<ConnectedCampus[]>('GET', '/connected-campuses'),

  // Removing a campus (移除) with the identity confirmation
  startRemoval: (icId: Id, campusId: Id) =>
    request<Confirmation & Shown>('POST', `/interconnections/${enc(icId)}/campuses/${enc(campusId)}/removal`),
  confirmation: (id: Id) => request<Confirmation>('GET', `/confirmations/${enc(id)}`),
  confirmationPreview: (token: string) =>
    request<ConfirmationPreview>('GET', '/confirmations/preview', { query: { token } }),
  approveConfirmation: (token: string) =>
    request<Confirmation>('POST', '/confirmations/approve', { json: { token } }),
  confirmWithPassword: (id: Id, password: string) =>
    request<Confirmation>('POST', `/confirmations/${enc(id)}/password`, { json: { password } }),
  removeCampus: (icId: Id, campusId: Id, confirmationId: Id) =>
    request<Interconnection>('DELETE', `/interconnections/${enc(icId)}/campuses/${enc(campusId)}`, {
      query: { confirmation_id: confirmationId },
    }),

  // Conversations (docs/chat.md)
  conversations: () => request<Conversation[]>('GET', '/conversations'),
  conversation: (id: Id) => request<ConversationDetail>('GET', `/conversations/${enc(id)}`),
  startDirect: (member_id: Id) => request<Conversation>('POST', '/conversations/direct', { json: { member_id } }),
  createGroup: (member_ids: Id[], name?: string) =>
    request<ConversationDetail>('POST', '/conversations/group', { json: name ? { name, member_ids } : { member_ids } }),
  renameGroup: (id: Id, name: string) =>
    request<ConversationDetail>('PATCH', `/conversations/${enc(id)}`, { json: { name } }),
  addMembers: (id: Id, member_ids: Id[]) =>
    request<ConversationDetail>('POST', `/conversations/${enc(id)}/members`, { json: { member_ids } }),
  removeMember: (id: Id, memberId: Id) =>
    request<void>('DELETE', `/conversations/${enc(id)}/members/${enc(memberId)}`),
  transferOwner: (id: Id, member_id: Id) =>
    request<ConversationDetail>('POST', `/conversations/${enc(id)}/owner`, { json: { member_id } }),
  dissolveGroup: (id: Id) => request<void>('DELETE', `/conversations/${enc(id)}`),
  messages: (id: Id, q: { before?: number; after?: number; limit?: number } = {}) =>
    request<MessagePage>('GET', `/conversations/${enc(id)}/messages`, { query: { ...q } }),
  sendMessage: (id: Id, input: SendInput) =>
    request<Message>('POST', `/conversations/${enc(id)}/messages`, { json: input }),
  recallMessage: (id: Id, messageId: Id) =>
    request<Message>('POST', `/conversations/${enc(id)}/messages/${enc(messageId)}/recall`),
  markRead: (id: Id, position: number) =>
    request<{ read_position: number }>('POST', `/conversations/${enc(id)}/read`, { json: { position } }),
  readers: (id: Id, messageId: Id) =>
    request<{ read: MemberRef[]; unread: MemberRef[] }>(
      'GET',
      `/conversations/${enc(id)}/messages/${enc(messageId)}/readers`,
    ),

  // Audit log
  audit: (q: AuditQuery = {}) => request<AuditEntry[]>('GET', '/audit', { query: { ...q } }),
  auditCsvUrl: (q: AuditQuery = {}) => withQuery('/api/v1/audit', { ...q, format: 'csv' }),
};
