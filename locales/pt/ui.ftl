# campuslink web UI — Português (de Macau: grafia como nas mensagens do servidor, errors.ftl).

## Common
lang-label = Idioma
loading = A carregar…
load-more = Carregar mais
actions = Acções
action-save = Guardar
action-cancel = Cancelar
action-close = Fechar
action-edit = Editar
action-delete = Eliminar
action-back = Voltar
saved = Guardado.
error-network = Não foi possível contactar o servidor. Verifique a ligação e tente novamente.
error-unexpected = Resposta inesperada do servidor ({ $status }). Tente novamente mais tarde.
campus = Secção
signed-in-as = Sessão iniciada como { $login }
not-allowed-title = Sem permissão
open-admin = Consola de administração
open-bureau = Consola dos Serviços de Educação
open-member-app = Contactos
open-member-app-long = Abrir os contactos (versão de membro)

## Sign in
login-title = Iniciar sessão
login-subtitle-member = Contactos da escola
login-subtitle-admin = Consola de administração da secção
login-subtitle-bureau = Consola dos Serviços de Educação
login-name = Nome de utilizador
login-password = Palavra-passe
login-submit = Iniciar sessão
login-busy = A iniciar sessão…

## Account
account-change-password = Alterar palavra-passe
account-logout = Terminar sessão
password-current = Palavra-passe actual
password-new = Nova palavra-passe
password-repeat = Repita a nova palavra-passe
password-rule = Pelo menos 8 caracteres.
password-mismatch = As duas palavras-passe novas não coincidem.
password-changed = A palavra-passe foi alterada.
role-bureau = Funcionário dos Serviços de Educação
role-admin = Administrador
role-member = Membro
status-active = Activo
status-disabled = Desactivado

## Member fields
field-name = Nome
field-name-zh = Nome em chinês
field-name-pt = Nome em português
field-title = Cargo
field-departments = Departamentos
field-phone = Telefone
field-email = Correio electrónico
field-staff-no = N.º de funcionário
field-login = Nome de utilizador
field-role = Função
field-status = Estado
field-password-initial = Palavra-passe inicial
field-password-initial-hint = Opcional: sem ela, a conta só poderá iniciar sessão depois de um administrador repor a palavra-passe.

## Member app: Contacts
contacts = Contactos
contacts-search = Pesquisar
contacts-search-placeholder = Pesquisar nome, cargo ou n.º de funcionário
contacts-breadcrumb = Localização
contacts-departments = Departamentos
contacts-members = Membros
contacts-no-departments = Ainda não há departamentos.
contacts-empty-dept = Este departamento não tem membros directos.
contacts-results = Resultados: { $count ->
    [one] { $count } membro
   *[other] { $count } membros
}
contacts-no-results = Nenhum membro corresponde a «{ $q }».
member-count = { $count ->
    [one] { $count } membro
   *[other] { $count } membros
}
dept-summary = { $depts ->
    [one] { $depts } subdepartamento
   *[other] { $depts } subdepartamentos
} · { $members ->
    [one] { $members } membro
   *[other] { $members } membros
}
member-call = Ligar
member-mail = Enviar e-mail
member-no-campus = Esta conta não pertence a nenhuma secção e não tem contactos.

## Admin console
admin-title = Consola de administração
admin-not-allowed = Só os administradores da secção podem usar a consola de administração.
nav-contacts = Contactos
nav-directory = Departamentos e membros
nav-import = Importar departamentos/membros
dept-tree = Departamentos
dept-tools = Acções do departamento
dept-all-members = Todos os membros
dept-none = Ainda não há departamentos.
dept-add = Novo departamento
dept-rename = Mudar o nome
dept-move = Mover para…
dept-move-up = Subir
dept-move-down = Descer
dept-delete = Eliminar departamento
dept-delete-confirm = Eliminar o departamento «{ $name }»? Só se pode eliminar um departamento sem membros nem subdepartamentos.
dept-name-zh = Nome do departamento (chinês)
dept-name-pt = Nome do departamento (português)
dept-parent = Departamento superior
dept-parent-none = (nível superior)
members-total = { $count ->
    [one] { $count } membro
   *[other] { $count } membros
}
members-search = Pesquisar membros
members-search-placeholder = Pesquisar nome, cargo ou n.º de funcionário em toda a secção
members-search-results = Resultados da pesquisa
members-include-disabled = Incluir membros desactivados
members-empty = Este departamento não tem membros.
members-no-results = Nenhum membro corresponde a «{ $q }».
member-add = Novo membro
member-edit = Editar membro
member-created = Membro «{ $name }» criado.
member-saved = Membro «{ $name }» guardado.
member-disable = Desactivar
member-enable = Activar
member-disabled = «{ $name }» foi desactivado.
member-enabled = «{ $name }» foi activado.
member-reset-password = Repor palavra-passe
member-reset-intro = Nova palavra-passe para { $name } ({ $login }). As sessões deste membro em todos os dispositivos terminam de imediato.
member-reset-done = A palavra-passe de «{ $name }» foi reposta.
pager-range = { $from }–{ $to } de { $total }
pager-prev = Anterior
pager-next = Seguinte

## Import and export
import-title = Importar departamentos/membros
import-upload-title = Importar ficheiro
import-intro = Crie ou actualize muitos membros de uma vez com um ficheiro CSV ou Excel (.xlsx); os departamentos que ainda não existem são criados.
import-hint-columns = A primeira linha é o cabeçalho, com as colunas por esta ordem:
import-hint-departments = A coluna «departments» tem caminhos de departamentos, separados por «;», com os níveis separados por «/», por exemplo:
import-hint-update = Uma linha cujo nome de utilizador já existe actualiza esse membro.
import-hint-all-or-nothing = Se alguma linha tiver erros, nada do ficheiro é importado.
import-file = Escolher ficheiro (.csv, .xlsx)
import-file-csv = Escolher ficheiro (.csv)
import-submit = Importar
import-busy = A importar…
import-done = Importação concluída: { $created } membros criados, { $updated } actualizados.
import-nothing-written = Corrija as linhas abaixo e importe de novo o ficheiro inteiro.
import-report-caption = Erros de importação
import-col-line = Linha
import-col-column = Coluna
import-col-message = Erro
campus-member-total = Total de membros:
template-title = Descarregar modelo
template-intro = Um ficheiro vazio só com o cabeçalho, pronto a preencher e importar.
template-csv = Modelo CSV
template-xlsx = Modelo Excel
export-title = Exportar contactos
export-intro = Descarregue todos os membros desta secção, no mesmo formato do modelo de importação.
export-csv = Exportar CSV
export-xlsx = Exportar Excel

## Bureau console
bureau-title = Consola dos Serviços de Educação
bureau-not-allowed = Só os funcionários dos Serviços de Educação podem usar esta consola.
nav-registry-group = Registo
nav-registry = Escolas e secções
nav-registry-import = Importar escolas/secções
registry-filter = Filtrar escolas ou secções
schools-empty = Ainda não há escolas.
school-add = Nova escola
school-edit = Editar escola
school-code = Código da escola
school-created = Escola «{ $name }» criada.
school-no-campuses = Esta escola ainda não tem secções.
campus-add = Nova secção
campus-edit = Editar secção
campus-code = Código da secção
campus-created = Secção «{ $name }» criada.
campus-admins = Administradores
campus-no-admins = Esta secção ainda não tem administradores.
campus-admin-add = Criar administrador
admin-created = Conta de administrador «{ $login }» criada.
code-rule = 1 a 32 caracteres: letras latinas, algarismos, «-» ou «_».
name-zh = Nome em chinês
name-pt = Nome em português
name-en = Nome em inglês
registry-import-intro = Registe muitas escolas e as suas secções de uma vez com um ficheiro CSV, uma secção por linha.
registry-template-intro = Um ficheiro CSV vazio só com o cabeçalho.
registry-import-done = Importação concluída: { $schools } escolas e { $campuses } secções criadas.
