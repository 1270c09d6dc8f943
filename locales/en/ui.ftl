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
login-invitation = An invitation to interconnect campuses is waiting for you: sign in as your campus's administrator to see it and establish the interconnection.

## Account
account-change-password = Change password
account-logout = Sign out
password-current = Current password
password-new = New password
password-repeat = Repeat the new password
password-rule = At least 8 characters.
password-mismatch = The two new passwords differ.
password-changed = Password changed. You are signed out on your other devices.
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
contacts-results-more = { $count ->
    [one] See the { $count } member in "{ $campus }"
   *[other] See all { $count } members in "{ $campus }"
}
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
nav-import = Import / export members
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
member-disable-title = Disable member
member-disable-intro = Disable “{ $name }” ({ $login })? They can no longer sign in, their open sessions end at once, and they leave the directory. You can enable them again later.
member-own-role = You cannot change your own role; another admin of this campus can.
member-reset-password = Reset password
member-reset-intro = A new password for { $name } ({ $login }). Their sessions on every device end at once.
member-reset-done = The password of “{ $name }” has been reset.
pager-range = { $from }–{ $to } of { $total }
pager-prev = Previous
pager-next = Next

## Import and export
import-title = Import / export members
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
import-done = Import finished: { $created ->
    [one] { $created } member created
   *[other] { $created } members created
}, { $updated } updated.
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
registry-filter-none = No school or campus has “{ $query }” in its name or code.
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
registry-import-done = Import finished: { $schools ->
    [one] { $schools } school
   *[other] { $schools } schools
} and { $campuses ->
    [one] { $campuses } campus
   *[other] { $campuses } campuses
} created.

## Common (interconnection)
action-confirm = Confirm
action-copy = Copy
action-retry = Try again
copied = Copied
expires-at = Valid until { $time }

## 校部互聯: admin console
nav-interconnections = Interconnected organisations
nav-interconnection-group = Campus interconnection
nav-filings = Filings
nav-audit = Audit log
nav-pending = { $count } pending
add-menu = Add
add-interconnected-org = Add interconnected organisation
add-ic-intro = Campuses of the same school can interconnect; then each side can look up the other's contacts.
invite-organisation = Invite organisation to join
invite-organisation-hint = Makes a QR code that the other campus's administrator scans to confirm "Establish interconnection".
ic-name-intro = This campus has not started an interconnection yet. Give it a name, then make the invitation's QR code.
ic-name = Interconnection name
ic-default-name = { $school } campus interconnection
ic-create-invite = Create and make QR code
ic-pick = Invite to which interconnection
invite-scan-hint = The other campus's administrator scans this QR code with their phone (or opens the link below) and taps "Establish interconnection".
invite-qr-label = Invitation QR code for "{ $name }"
invite-link = Invitation link
invite-new = Make a new QR code
invite-pending = Unused invitations
invite-none-pending = No unused invitations.
invite-created = Made
invite-expires = Valid until
invite-current = Shown now
invite-revoke = Revoke
invite-revoked = Invitation revoked: its QR code no longer works.
invite-go-filing = Go to Filings to file or check the filing
ic-page-intro = The interconnections of this campus and how many members each campus shows. Select a campus to set the external directory or to remove it.
ic-none = This campus is not in any interconnection yet. In Departments and members, use "+" beside the search box → "Add interconnected organisation" to invite another campus.
ic-initiated-by = Initiated by { $campus }
ic-published-at = published { $time }
ic-unpublished = Unpublished
ic-published = Published
ic-dissolved = Dissolved
ic-former = Removed
ic-campuses = Interconnected campuses
ic-no-campuses = This interconnection has no campuses left.
ic-dissolved-note = This interconnection is dissolved; the directories are no longer shared.
ic-initiator = Initiator
ic-own-campus = This campus
ic-exposed-count = { $count ->
    [one] Shows { $count } member
   *[other] Shows { $count } members
}
ic-own-detail = { $count ->
    [one] This campus shows { $count } member to the other campuses. Choose the departments or members to show:
   *[other] This campus shows { $count } members to the other campuses. Choose the departments or members to show:
}
ic-other-detail = { $count ->
    [one] This campus shows { $count } member. Only the initiating campus can remove campuses.
   *[other] This campus shows { $count } members. Only the initiating campus can remove campuses.
}
ic-remove-detail = Once "{ $campus }" is removed from this interconnection, the two directories stop being shared at once.
ic-import = Import departments/members
ic-remove = Remove
ic-remove-title = Remove campus
ic-publish-title = Publish the interconnection
ic-publish = Publish
ic-publish-confirm = Once published, the members in each campus's external directory of "{ $name }" see the other campuses' external directories. Publish?
ic-publish-empty = { $count ->
    [one] Note: { $campuses } shows nobody in its external directory yet. Once published, the other campuses see nobody there, and its members do not see the other campuses either.
   *[other] Note: { $campuses } show nobody in their external directories yet. Once published, the other campuses see nobody there, and their members do not see the other campuses either.
}
ic-publish-anyway = Publish anyway
ic-published-notice = "{ $name }" is published.
ic-removed = "{ $campus }" was removed from "{ $name }".
ic-removed-dissolved = "{ $campus }" was removed from "{ $name }"; the interconnection is dissolved.
exposure-intro = Choose the departments and members the other campuses see (the external directory). Only members in the external directory can see the other campuses' directories.
exposure-departments = Departments
exposure-departments-hint = A department includes all its sub-departments, including those added later.
exposure-included-in = Included in "{ $name }"
exposure-with-subs = { $count ->
    [one] with { $count } sub-department
   *[other] with { $count } sub-departments
}
exposure-members = Individual members
exposure-member-search = Search members
exposure-member-in-dept = Already in a chosen department
exposure-chosen-members = Chosen members ({ $count })
exposure-no-members = No members chosen one by one.
exposure-remove-member = Take out { $name }
exposure-fields = Details shown
exposure-fields-hint = Name, title, department and picture are always shown.
exposure-show-phone = Show phone
exposure-show-email = Show e-mail
exposure-summary = { $depts ->
    [one] { $depts } department
   *[other] { $depts } departments
} and { $members ->
    [one] { $members } individual member chosen
   *[other] { $members } individual members chosen
}
exposure-after = { $count ->
    [one] { $count } member shown once confirmed
   *[other] { $count } members shown once confirmed
}
exposure-current = { $count ->
    [one] Showing { $count } member now
   *[other] Showing { $count } members now
}
exposure-saved = { $count ->
    [one] External directory updated: { $count } member shown.
   *[other] External directory updated: { $count } members shown.
}
removal-intro = To remove "{ $campus }" from "{ $name }", first confirm your identity again.
removal-verify = Confirm your identity
removal-qr-label = QR code to confirm your identity
removal-scan-hint = Scan this QR code with the phone where { $login } is signed in, and approve on the phone. This page goes on by itself after that.
removal-remaining = Time left
removal-waiting = Waiting for the phone…
removal-link-summary = Cannot scan?
removal-link = Confirmation link
removal-use-password = Use your password instead
removal-password = Your password
removal-password-submit = Confirm identity
removal-wrong-password = The password is wrong. Type it again.
removal-expired = The QR code has expired (it is valid for 2 minutes). Make a new one.
removal-restart = Make a new QR code
removal-verified = Identity confirmed.
removal-final-title = Remove it?
removal-final = "{ $campus }" leaves "{ $name }". After the removal:
removal-final-visibility = members of "{ $campus }" and of the other campuses stop seeing each other's directories at once;
removal-final-direct = one-to-one chats across campuses become read-only, with the history kept for both sides;
removal-final-groups = in group chats across campuses, the members whose campus is no longer interconnected with the group's campus are removed, with a system message.
removal-final-dissolves = It is the last other campus: removing it dissolves the interconnection.

## 備案
filing-page-intro = A campus interconnection must be filed with the education bureau. Once the bureau confirms the filing, the campus administrators run the interconnection themselves.
filing-new = File an interconnection
filing-new-intro = Choose the campuses of "{ $school }" to interconnect. The bureau is e-mailed every campus's code and name.
filing-campuses = Campuses
filing-campuses-hint = This campus must be included, with at least two campuses in all.
filing-submit = Submit filing
filing-submitted = Filing { $number } submitted; wait for the bureau's confirmation.
filing-duplicate-title = These campuses are already filed
filing-duplicate-pending = Filing { $number } already includes the chosen campuses and is waiting for the bureau. Submit another one anyway?
filing-duplicate-confirmed = Filing { $number } already includes the chosen campuses and is confirmed: there is no need to file again. Submit another one anyway?
filing-submit-anyway = Submit anyway
filing-list = Filings
filing-none = No filings.
filing-number = Filing number
filing-school = School
filing-filed-by = Filed by
filing-status = Status
filing-status-all = All
filing-status-pending = Pending approval
filing-status-confirmed = Filed
filing-status-rejected = Not accepted
filing-reason = Reason: { $reason }
bureau-filing-intro = Schools' filings of campus interconnections. Confirming or rejecting e-mails the administrators of every campus named.
filing-confirm = Confirm filing
filing-confirm-text = Confirm filing { $number } of "{ $school }"? The administrators of these campuses are e-mailed:
filing-confirmed-notice = Filing { $number } confirmed.
filing-reject = Reject
filing-reject-text = Reject filing { $number }. The reason is e-mailed to the administrators of every campus named.
filing-reject-reason = Reason
filing-reason-required = Give the reason for rejecting.
filing-rejected-notice = Filing { $number } rejected.

## 建立互聯 (the invitation's page)
accept-title = Establish interconnection
accept-invitation = Interconnection invitation
accept-invites = "{ $campus }" invites this campus to join an interconnection
accept-interconnection = Interconnection
accept-inviting-campus = Inviting campus
accept-school = School
accept-own-campus = This campus
accept-expires = Invitation valid until
accept-explain = Tapping "Establish interconnection" makes "{ $campus }" join this interconnection. It takes effect once the initiating campus publishes it.
accept-button = Establish interconnection
accept-done = Interconnection "{ $name }" established.
accept-next = Next: in Interconnected organisations, choose this campus's external directory (Import departments/members).
accept-no-token = This link is incomplete. Scan the invitation's QR code again.
refusal-not_admin = Only a campus administrator can do this.
refusal-other_school = Only campuses of the same school can interconnect; your campus belongs to another school.
refusal-not_initiator = Only the campus that started the interconnection can do this.
refusal-invitation_expired = This invitation has expired; ask the inviting campus for a new QR code.
refusal-invitation_used = This invitation has already been used.
refusal-invitation_revoked = This invitation was revoked.
refusal-filing_required = These campuses have no confirmed filing yet; file the interconnection with the bureau first.
refusal-already_member = This campus is already in this interconnection.
refusal-not_member = That campus is not in this interconnection.
refusal-interconnection_dissolved = This interconnection has been dissolved.
refusal-filing_campuses = The filing's campuses are not right: it must include this campus and at least two campuses of the same school.
refusal-cannot_remove_initiator = The initiating campus cannot be removed.
refusal-confirmation_required = Confirm your identity first.
refusal-confirmation_expired = The confirmation has expired; start again.
refusal-filing_not_pending = This filing has already been decided.
refusal-unknown = This cannot be done ({ $code }).

## 操作記錄
audit-intro = Every step on record: filing, invitations, interconnection, external directories, publishing and removal.
audit-export-csv = Export CSV
audit-action = Action
audit-all-actions = All actions
audit-since = From
audit-until = To
audit-time = Time
audit-details = Details
audit-none = No matching entries.
audit-someone = The system
audit-entry-filing_created = { $actor } filed { $number } with the education bureau to interconnect { $campuses }.
audit-entry-filing_confirmed = { $actor } confirmed filing { $number } ({ $campuses }).
audit-entry-filing_rejected = { $actor } rejected filing { $number } ({ $campuses }). Reason: { $reason }
audit-entry-interconnection_created = { $actor } created the interconnection "{ $name }", initiated by { $campuses }.
audit-entry-invitation_created = { $actor } made an invitation (QR code and link) to join "{ $name }".
audit-entry-invitation_revoked = { $actor } revoked an invitation to join "{ $name }"; its QR code no longer works.
audit-entry-invitation_revoked-unnamed = { $actor } revoked an invitation to interconnect; its QR code no longer works.
audit-entry-invitation_accepted = { $actor } accepted the invitation: { $campus } joined "{ $name }".
audit-entry-exposure_set = { $actor } set the external directory of { $campus } in "{ $name }": { $depts ->
    [one] { $depts } department
   *[other] { $depts } departments
} and { $members ->
    [one] { $members } individual member
   *[other] { $members } individual members
}; { $fields ->
    [both] phone and e-mail shown
    [phone] phone shown, e-mail not
    [email] e-mail shown, phone not
   *[none] neither phone nor e-mail shown
}.
audit-entry-exposure_set-unnamed = { $actor } set the external directory of { $campus }: { $depts ->
    [one] { $depts } department
   *[other] { $depts } departments
} and { $members ->
    [one] { $members } individual member
   *[other] { $members } individual members
}; { $fields ->
    [both] phone and e-mail shown
    [phone] phone shown, e-mail not
    [email] e-mail shown, phone not
   *[none] neither phone nor e-mail shown
}.
audit-entry-interconnection_published = { $actor } published the interconnection "{ $name }": the members in each campus's external directory now see the other campuses.
audit-entry-campus_removed = { $actor } confirmed their identity again and removed { $campus } from "{ $name }".
audit-entry-interconnection_dissolved = The interconnection "{ $name }" was dissolved when its last other campus was removed (by { $actor }).
audit-action-filing_created = Filing submitted
audit-action-filing_confirmed = Filing confirmed
audit-action-filing_rejected = Filing rejected
audit-action-interconnection_created = Interconnection created
audit-action-invitation_created = Invitation made
audit-action-invitation_revoked = Invitation revoked
audit-action-invitation_accepted = Invitation accepted
audit-action-exposure_set = External directory set
audit-action-interconnection_published = Interconnection published
audit-action-campus_removed = Campus removed
audit-action-interconnection_dissolved = Interconnection dissolved

## 校部互聯: member app
contacts-interconnected = Interconnected organisations
contacts-search-in = Search members of "{ $campus }"
contacts-external-note = "{ $campus }" is interconnected through "{ $name }"; this is its external directory.
contacts-path-only = Not shared
contacts-path-only-subs = { $depts ->
    [one] { $depts } sub-department
   *[other] { $depts } sub-departments
}
confirm-title = Confirm your identity
confirm-remove = Remove "{ $campus }" from "{ $name }"
confirm-action-other = Confirm: { $action }
confirm-target = Campus to remove
confirm-approve = Approve removal
confirm-approved = Approved. Carry on in the admin console on your computer.
confirm-expired = This confirmation has expired or was used. Make a new QR code on your computer.
confirm-no-token = This link is incomplete. Scan the QR code again.
scan = Scan QR code
scan-starting = Starting the camera…
scan-aim = Point the camera at the QR code.
scan-reading = Reading…
scan-opening = Opening the link…
scan-no-camera = The camera cannot be used here; you can read the QR code from a picture instead.
scan-camera-denied = The camera was not allowed. Allow it in the browser's settings, or read the code from a picture.
scan-reader-failed = The QR code reader could not be loaded. Try again later.
scan-none-found = No QR code found in the picture.
scan-foreign = This QR code is not a link to this campuslink, so it is not opened: { $text }
scan-from-picture = Read from a picture

## chat
chat-tab = Messages
chat-tabs = Messages and contacts
chat-unread-total = { $count ->
    [one] { $count } unread message
   *[other] { $count } unread messages
}
chat-unread-count = { $count } unread
chat-list = Conversations
chat-conversation = Conversation
chat-add-menu = Add
chat-new-group = New group chat
chat-send-message = Message
chat-none = No messages yet.
chat-none-hint = Open a member's card in Contacts and tap “Message”, or use the “+” in the corner to start a group chat.
chat-pick = Choose a conversation.
chat-offline = Offline: everything updates once the connection is back.
chat-reconnecting = Reconnecting…
chat-direct = Chat
chat-group = Group chat
chat-members = { $count ->
    [one] { $count } member
   *[other] { $count } members
}
chat-group-info = Group info
chat-group-name = Group name
chat-group-members = Group members
chat-owner = Group owner
chat-rename = Rename
chat-add-members = Add members
chat-remove-member = Remove from group
chat-remove-member-confirm = Remove { $name } from the group?
chat-transfer-owner = Make owner
chat-transfer-owner-confirm = Make { $name } the group's owner? You will no longer manage the group.
chat-leave = Leave group
chat-leave-confirm = Leave “{ $name }”? You will no longer get this group's messages.
chat-dissolve = Dissolve group
chat-dissolve-confirm = Dissolve “{ $name }”? Nobody will be able to write in this group any more.
chat-you = You
chat-someone = Someone
chat-today = Today
chat-yesterday = Yesterday
chat-messages = Messages
chat-older = Load earlier messages
chat-latest = Jump to the latest messages
chat-search = Search messages
search-messages = Search messages
search-messages-placeholder = Search all conversations
search-in-conversation = Search this conversation's messages
search-in = Search in "{ $name }"
search-scope = Only in "{ $name }"
search-all = Search all conversations
search-hint = Type words or a file name, for example 家長會, reunião, meeting. Only the conversations you are in now are searched, and only messages since you joined.
search-none = No message contains "{ $query }".
search-results = Search results
chat-more = More actions
chat-reply = Reply
chat-recall = Recall
chat-replying = Replying to { $name }:
chat-reply-cancel = Cancel reply
chat-quote-recalled = Message recalled
chat-read = Read
chat-unread = Unread
chat-all-read = Read by all
chat-unread-people = { $count ->
    [one] { $count } person hasn't read
   *[other] { $count } people haven't read
}
chat-readers-title = Who has read it
chat-readers-unread = Not read ({ $count })
chat-readers-read = Read ({ $count })
chat-sending = Sending…
chat-sending-waiting = Waiting for the connection to send…
chat-send-failed = Not sent
chat-send = Send
chat-input = Message
chat-input-placeholder = Message…
chat-too-long = A message has at most { $max } characters.
chat-mention-all = all
chat-mention-pick = Choose whom to mention
chat-mentioned = [You were mentioned]
chat-preview-from = { $name }: { $text }
chat-recalled = { $name } recalled a message
chat-recalled-self = You recalled a message
chat-readonly-direct = You can no longer message each other (the campuses are no longer interconnected, or the person left the external directory). The history stays available.
chat-readonly-left = You are no longer in this group; you can read its earlier messages.
chat-readonly-dissolved = This group was dissolved; you can read its earlier messages.
chat-system-created = { $actor } created the group
chat-system-added = { $actor } added { $members } to the group
chat-system-removed = { $actor } removed { $members } from the group
chat-system-left = { $actor } left the group
chat-system-renamed = { $actor } renamed the group “{ $name }”
chat-system-owner_changed = { $actor } made { $members } the group's owner
chat-system-dissolved = { $actor } dissolved the group
chat-system-campus_disconnected = { $count ->
    [one] { $members } left the group: their campus is no longer interconnected
   *[other] { $members } left the group: their campus is no longer interconnected
}
chat-system-other = The group was updated
chat-connected-of = Interconnected organisations of { $campus }
chat-no-connected = No interconnected organisations.
chat-pick-hint = Tick the members to add to the group.
chat-picked = { $count ->
    [one] { $count } person chosen
   *[other] { $count } people chosen
}
chat-unpick = Remove { $name } from the choice
chat-picker-more = { $count ->
    [one] { $count } more member is not listed; use search to find them.
   *[other] { $count } more members are not listed; use search to find them.
}
chat-tag-image = [Picture]
chat-tag-voice = [Voice]
chat-tag-file = [File]
chat-attach-picture = Send a picture
chat-attach-file = Send a file
chat-image-open = View the picture { $name }
chat-download = Download
chat-uploading = Uploading
chat-upload-cancelled = Upload cancelled.
chat-drop-here = Drop to send
chat-voice-hold = Hold to talk
chat-voice-slide-cancel = Release to send, slide up to cancel
chat-voice-release-cancel = Release to cancel
chat-voice-too-short = Too short to send.
chat-voice-denied = No access to the microphone: allow it in the browser's settings.
chat-voice-unsupported = This browser cannot record voice messages.
chat-voice-play = Play
chat-voice-pause = Pause
chat-voice-failed = Cannot play
chat-confirm = OK ({ $count })
chat-owner-leave-hint = To leave the group, its owner first makes another member the owner.
chat-forward = Forward
chat-forward-title = Forward to
chat-forward-search = Search conversations
chat-forward-to = Choose a conversation
chat-forward-none = No conversation to forward to.
chat-forward-send = Forward to { $name }
chat-forwarded = Forwarded message
chat-forwarded-from = Forwarded from { $name }
chat-react = React
chat-react-with = React with { $emoji }
chat-reaction-label = { $emoji }: { $names }
chat-settings = Chat settings
chat-pin = Pin to top
chat-mute = Mute notifications
chat-muted = Muted
chat-mark-unread = Mark as unread
chat-marked-unread = Marked as unread
chat-announcement = Group announcement
chat-announcement-ok = Got it
chat-announcement-none = No group announcement.
chat-announcement-edit = Edit the announcement
chat-call-voice = Voice call
chat-call-video = Video call
chat-call-completed = { $kind } { $duration }
chat-call-missed = Missed call
chat-call-declined = { $kind } declined
chat-call-cancelled = { $kind } cancelled
chat-call-busy = They were in another call
chat-meeting-started = { $actor } started a meeting
chat-meeting-ended = Meeting ended, { $duration }
chat-system-announcement = { $actor } updated the group announcement: { $name }
chat-system-announcement_cleared = { $actor } cleared the group announcement
notify-title = Notifications
notify-push = Get notified of new messages on this device (even with campuslink closed)
notify-unsupported = This browser does not support notifications, or campuslink was not opened over HTTPS. On a phone, add campuslink to the home screen first.
notify-denied = The browser blocks campuslink's notifications: allow them in the site settings.
notify-preview = Show the sender and the text in notifications
notify-digest = E-mail me a digest of messages I have left unread for { $hours ->
    [one] an hour
   *[other] { $hours } hours
}
notify-digest-hint = One e-mail lists the conversations, how many messages and the latest one (who wrote it and what only if notifications show the sender and the text); the same messages are never mailed twice. Muted conversations are left out unless you are mentioned.
notify-digest-no-email = Your account has no e-mail address: ask your campus administrator to add one.
notify-sound = Play a sound when a message arrives
notify-mute-hint = Any conversation can be muted in its own settings; a mention of you still notifies.

## Calls and meetings (the call screen, the incoming call, the meeting card)
call-meeting = Meeting
call-start-meeting = Start a meeting
call-join-meeting = Join the meeting
call-meeting-ongoing = Meeting on · { $count ->
    [one] { $count } person
   *[other] { $count } people
}
call-incoming-voice = is calling you (voice)
call-incoming-video = is calling you (video)
call-answer = Answer
call-answer-voice = Answer with voice only
call-decline = Decline
call-calling = Calling…
call-connecting = Connecting…
call-reconnecting = The network is unstable, reconnecting…
call-in-call = Call
call-back-to-call = Back to the call
call-hang-up = Hang up
call-leave = Leave the meeting
call-mute = Mute
call-unmute = Unmute
call-camera = Camera
call-camera-on = Turn the camera on
call-camera-off = Turn the camera off
call-share-screen = Share screen
call-stop-share = Stop sharing
call-you-share = You are sharing your screen
call-shed-speaker = The server is busy: to keep the sound clear, only the speaker's video is sent for now
call-shed-cameras = The server is busy: to keep the sound clear, video is paused for now
call-screen-of = { $name }’s screen
call-raise-hand = Raise hand
call-hand-raised = Hand raised
call-muted = Muted
call-layout-grid = Grid view
call-layout-speaker = Speaker view
call-expand = Enlarge
call-shrink = Make smaller
call-minimize = Minimise the call
call-devices = Devices
call-microphone = Microphone
call-speaker = Speaker
call-default-device = System default
call-participants = Participants ({ $count })
call-host = Host
call-host-mute = Mute
call-host-remove = Remove from the meeting
call-quality-good = Good connection
call-quality-fair = Fair connection
call-quality-poor = Poor connection
call-ended = Call ended
call-meeting-left = You left the meeting
call-notice-no_longer_allowed = Call ended: your campuses are no longer interconnected
call-notice-removed_by_host = The host removed you from the meeting
call-notice-connection_lost = The network dropped and you left the call
