# campuslink web UI — English.

## Common
lang-label = Language
loading = Loading…
load-more = Load more
actions = Actions
action-save = Save
action-cancel = Cancel
action-close = Close
action-edit = Edit
action-delete = Delete
action-back = Back
saved = Saved.
error-network = Cannot reach the server. Check the connection and try again.
error-unexpected = The server answered unexpectedly ({ $status }). Please try again later.
campus = Campus
signed-in-as = Signed in as { $login }
not-allowed-title = Not allowed
open-admin = Admin console
open-bureau = Bureau console
open-member-app = Contacts
open-member-app-long = Open the member app

## Sign in
login-title = Sign in
login-subtitle-member = School contacts
login-subtitle-admin = Campus admin console
login-subtitle-bureau = Education Bureau console
login-name = Login name
login-password = Password
login-submit = Sign in
login-busy = Signing in…

## Account
account-change-password = Change password
account-logout = Sign out
password-current = Current password
password-new = New password
password-repeat = Repeat the new password
password-rule = At least 8 characters.
password-mismatch = The two new passwords differ.
password-changed = Your password has been changed.
role-bureau = Bureau officer
role-admin = Admin
role-member = Member
status-active = Active
status-disabled = Disabled

## Member fields
field-name = Name
field-name-zh = Chinese name
field-name-pt = Portuguese name
field-title = Title
field-departments = Departments
field-phone = Phone
field-email = E-mail
field-staff-no = Staff number
field-login = Login name
field-role = Role
field-status = Status
field-password-initial = Initial password
field-password-initial-hint = Optional: without one, the account cannot sign in until an admin resets its password.

## Member app: Contacts
contacts = Contacts
contacts-search = Search
contacts-search-placeholder = Search names, titles or staff numbers
contacts-breadcrumb = You are here
contacts-departments = Departments
contacts-members = Members
contacts-no-departments = There are no departments yet.
contacts-empty-dept = This department has no direct members.
contacts-results = Results: { $count ->
    [one] { $count } member
   *[other] { $count } members
}
contacts-no-results = No member matches “{ $q }”.
member-count = { $count ->
    [one] { $count } member
   *[other] { $count } members
}
dept-summary = { $depts ->
    [one] { $depts } sub-department
   *[other] { $depts } sub-departments
} · { $members ->
    [one] { $members } member
   *[other] { $members } members
}
member-call = Call
member-mail = Send e-mail
member-no-campus = This account belongs to no campus, so it has no contacts.

## Admin console
admin-title = Admin console
admin-not-allowed = Only campus admins can use the admin console.
nav-contacts = Contacts
nav-directory = Departments and members
nav-import = Import departments/members
dept-tree = Departments
dept-tools = Department actions
dept-all-members = All members
dept-none = There are no departments yet.
dept-add = New department
dept-rename = Rename
dept-move = Move to…
dept-move-up = Move up
dept-move-down = Move down
dept-delete = Delete department
dept-delete-confirm = Delete the department “{ $name }”? Only a department with no members and no sub-departments can be deleted.
dept-name-zh = Department name (Chinese)
dept-name-pt = Department name (Portuguese)
dept-parent = Parent department
dept-parent-none = (top level)
members-total = { $count ->
    [one] { $count } member
   *[other] { $count } members
}
members-search = Search members
members-search-placeholder = Search the whole campus by name, title or staff number
members-search-results = Search results
members-include-disabled = Include disabled members
members-empty = This department has no members.
members-no-results = No member matches “{ $q }”.
member-add = New member
member-edit = Edit member
member-created = Member “{ $name }” created.
member-saved = Member “{ $name }” saved.
member-disable = Disable
member-enable = Enable
member-disabled = “{ $name }” is disabled.
member-enabled = “{ $name }” is enabled.
member-reset-password = Reset password
member-reset-intro = A new password for { $name } ({ $login }). Their sessions on every device end at once.
member-reset-done = The password of “{ $name }” has been reset.
pager-range = { $from }–{ $to } of { $total }
pager-prev = Previous
pager-next = Next

## Import and export
import-title = Import departments/members
import-upload-title = Import a file
import-intro = Create or update many members at once from a CSV or Excel (.xlsx) file; departments that do not exist yet are created.
import-hint-columns = The first line is the header, with these columns in this order:
import-hint-departments = The “departments” column holds department paths separated by “;”, their levels by “/”, for example:
import-hint-update = A line whose login name already exists updates that member.
import-hint-all-or-nothing = If any line has an error, nothing in the file is imported.
import-file = Choose a file (.csv, .xlsx)
import-file-csv = Choose a file (.csv)
import-submit = Import
import-busy = Importing…
import-done = Import finished: { $created } members created, { $updated } updated.
import-nothing-written = Fix the lines below, then import the whole file again.
import-report-caption = Import errors
import-col-line = Line
import-col-column = Column
import-col-message = Error
campus-member-total = Members in total:
template-title = Download a template
template-intro = An empty file with just the header row, ready to fill in and import.
template-csv = CSV template
template-xlsx = Excel template
export-title = Export contacts
export-intro = Download every member of this campus, in the same format as the import template.
export-csv = Export CSV
export-xlsx = Export Excel

## Bureau console
bureau-title = Bureau console
bureau-not-allowed = Only Education Bureau officers can use the bureau console.
nav-registry-group = Registry
nav-registry = Schools and campuses
nav-registry-import = Import schools/campuses
registry-filter = Filter schools or campuses
schools-empty = There are no schools yet.
school-add = New school
school-edit = Edit school
school-code = School code
school-created = School “{ $name }” created.
school-no-campuses = This school has no campuses yet.
campus-add = New campus
campus-edit = Edit campus
campus-code = Campus code
campus-created = Campus “{ $name }” created.
campus-admins = Admins
campus-no-admins = This campus has no admins yet.
campus-admin-add = Create admin
admin-created = Admin account “{ $login }” created.
code-rule = 1 to 32 characters: letters A–Z, digits, “-” or “_”.
name-zh = Chinese name
name-pt = Portuguese name
name-en = English name
registry-import-intro = Register many schools and their campuses at once from a CSV file, one campus per line.
registry-template-intro = An empty CSV file with just the header row.
registry-import-done = Import finished: { $schools } schools and { $campuses } campuses created.
