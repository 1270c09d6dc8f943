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
};
