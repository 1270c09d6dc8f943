# campuslink web UI — 繁體中文 (default). Words follow the bureau's guide where it names them:
# 通訊錄, 部門, 成員, 登入, 登出, 搜尋, 導入部門/成員.

## Common
lang-label = 語言
loading = 載入中…
load-more = 載入更多
actions = 操作
action-save = 儲存
action-cancel = 取消
action-close = 關閉
action-edit = 編輯
action-delete = 刪除
action-back = 返回
saved = 已儲存。
error-network = 無法連線到伺服器，請檢查網絡後再試。
error-unexpected = 伺服器回應異常（{ $status }），請稍後再試。
campus = 校部
signed-in-as = 目前登入帳號：{ $login }
not-allowed-title = 沒有權限
open-admin = 管理控制台
open-bureau = 教育局控制台
open-member-app = 通訊錄
open-member-app-long = 前往成員版通訊錄

## Sign in
login-title = 登入
login-subtitle-member = 學校通訊錄
login-subtitle-admin = 校部管理控制台
login-subtitle-bureau = 教育局控制台
login-name = 登入名稱
login-password = 密碼
login-submit = 登入
login-busy = 登入中…

## Account
account-change-password = 修改密碼
account-logout = 登出
password-current = 目前密碼
password-new = 新密碼
password-repeat = 再次輸入新密碼
password-rule = 最少 8 個字元。
password-mismatch = 兩次輸入的新密碼不一致。
password-changed = 密碼已修改。
role-bureau = 教育局人員
role-admin = 管理員
role-member = 成員
status-active = 使用中
status-disabled = 已停用

## Member fields
field-name = 姓名
field-name-zh = 中文姓名
field-name-pt = 葡文姓名
field-title = 職稱
field-departments = 部門
field-phone = 電話
field-email = 電郵
field-staff-no = 職員編號
field-login = 登入名稱
field-role = 角色
field-status = 狀態
field-password-initial = 初始密碼
field-password-initial-hint = 可留空：留空時此帳號須待管理員重設密碼後才能登入。

## Member app: 通訊錄
contacts = 通訊錄
contacts-search = 搜尋
contacts-search-placeholder = 搜尋姓名、職稱或職員編號
contacts-breadcrumb = 所在位置
contacts-departments = 部門
contacts-members = 成員
contacts-no-departments = 尚未設立部門。
contacts-empty-dept = 此部門沒有直屬成員。
contacts-results = 搜尋結果：{ $count } 位成員
contacts-no-results = 找不到符合「{ $q }」的成員。
member-count = { $count } 位成員
dept-summary = { $depts } 個子部門 · { $members } 位成員
member-call = 致電
member-mail = 發送電郵
member-no-campus = 此帳號不屬於任何校部，沒有通訊錄。

## Admin console
admin-title = 管理控制台
admin-not-allowed = 只有校部管理員可以使用管理控制台。
nav-contacts = 通訊錄
nav-directory = 部門與成員
nav-import = 導入部門/成員
dept-tree = 部門
dept-tools = 部門操作
dept-all-members = 全部成員
dept-none = 尚未設立部門。
dept-add = 新增部門
dept-rename = 重新命名
dept-move = 移動到…
dept-move-up = 上移
dept-move-down = 下移
dept-delete = 刪除部門
dept-delete-confirm = 確定刪除部門「{ $name }」？只有沒有成員和子部門的部門可以刪除。
dept-name-zh = 部門名稱（中文）
dept-name-pt = 部門名稱（葡文）
dept-parent = 上級部門
dept-parent-none = （最上層）
members-total = 共 { $count } 位成員
members-search = 搜尋成員
members-search-placeholder = 搜尋全校部的姓名、職稱或職員編號
members-search-results = 搜尋結果
members-include-disabled = 包括已停用的成員
members-empty = 此部門沒有成員。
members-no-results = 找不到符合「{ $q }」的成員。
member-add = 新增成員
member-edit = 編輯成員
member-created = 已新增成員「{ $name }」。
member-saved = 已儲存成員「{ $name }」。
member-disable = 停用
member-enable = 啟用
member-disabled = 已停用「{ $name }」。
member-enabled = 已啟用「{ $name }」。
member-reset-password = 重設密碼
member-reset-intro = 為 { $name }（{ $login }）設定新密碼。此成員在所有裝置上的登入會即時結束。
member-reset-done = 已重設「{ $name }」的密碼。
pager-range = 第 { $from }–{ $to } 位，共 { $total } 位
pager-prev = 上一頁
pager-next = 下一頁

## Import and export
import-title = 導入部門/成員
import-upload-title = 導入檔案
import-intro = 以 CSV 或 Excel（.xlsx）檔案一次新增或更新成員；檔案中未有的部門會自動建立。
import-hint-columns = 第一行為標題，欄位依次為：
import-hint-departments = 「departments」欄填部門路徑，多個部門以「;」分隔，層級以「/」分隔，例如：
import-hint-update = 登入名稱已存在的行會更新該成員。
import-hint-all-or-nothing = 任何一行有錯誤時，整個檔案都不會導入。
import-file = 選擇檔案（.csv、.xlsx）
import-file-csv = 選擇檔案（.csv）
import-submit = 導入
import-busy = 導入中…
import-done = 導入完成：新增 { $created } 位、更新 { $updated } 位成員。
import-nothing-written = 請修正以下各行，然後再導入整個檔案。
import-report-caption = 導入錯誤
import-col-line = 行
import-col-column = 欄位
import-col-message = 錯誤
campus-member-total = 目前成員總數：
template-title = 下載模板
template-intro = 只有標題行的空白檔案，填好後即可導入。
template-csv = CSV 模板
template-xlsx = Excel 模板
export-title = 導出通訊錄
export-intro = 下載本校部全部成員，格式與導入模板相同。
export-csv = 導出 CSV
export-xlsx = 導出 Excel

## Bureau console
bureau-title = 教育局控制台
bureau-not-allowed = 只有教育局人員可以使用教育局控制台。
nav-registry-group = 登記冊
nav-registry = 學校與校部
nav-registry-import = 導入學校/校部
registry-filter = 篩選學校或校部
schools-empty = 尚未有學校。
school-add = 新增學校
school-edit = 編輯學校
school-code = 學校編號
school-created = 已新增學校「{ $name }」。
school-no-campuses = 此學校尚未有校部。
campus-add = 新增校部
campus-edit = 編輯校部
campus-code = 校部編號
campus-created = 已新增校部「{ $name }」。
campus-admins = 管理員
campus-no-admins = 此校部尚未有管理員。
campus-admin-add = 建立管理員
admin-created = 已建立管理員帳號「{ $login }」。
code-rule = 1 至 32 個字元：英文字母、數字、「-」或「_」。
name-zh = 中文名稱
name-pt = 葡文名稱
name-en = 英文名稱
registry-import-intro = 以 CSV 檔案一次登記多所學校及其校部，每行一個校部。
registry-template-intro = 只有標題行的空白 CSV 檔案。
registry-import-done = 導入完成：新增 { $schools } 所學校、{ $campuses } 個校部。
