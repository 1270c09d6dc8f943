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
login-invitation = Há um convite de interligação de secções à sua espera: inicie sessão como administrador da sua secção para o ver e estabelecer a interligação.

## Account
account-change-password = Alterar palavra-passe
account-logout = Terminar sessão
password-current = Palavra-passe actual
password-new = Nova palavra-passe
password-repeat = Repita a nova palavra-passe
password-rule = Pelo menos 8 caracteres.
password-mismatch = As duas palavras-passe novas não coincidem.
password-changed = Palavra-passe alterada. A sessão foi terminada nos seus outros dispositivos.
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
contacts-search-placeholder = Nome, cargo ou n.º de funcionário
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
contacts-results-more = { $count ->
    [one] Ver o { $count } membro em «{ $campus }»
   *[other] Ver os { $count } membros em «{ $campus }»
}
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
nav-import = Importar / exportar membros
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
member-disable-title = Desactivar membro
member-disable-intro = Desactivar «{ $name }» ({ $login })? Deixa de poder iniciar sessão, as sessões abertas terminam de imediato e sai da lista de contactos. Pode activá-lo de novo mais tarde.
member-own-role = Não pode alterar o seu próprio papel; outro administrador desta secção pode fazê-lo.
member-reset-password = Repor palavra-passe
member-reset-intro = Nova palavra-passe para { $name } ({ $login }). As sessões deste membro em todos os dispositivos terminam de imediato.
member-reset-done = A palavra-passe de «{ $name }» foi reposta.
pager-range = { $from }–{ $to } de { $total }
pager-prev = Anterior
pager-next = Seguinte

## Import and export
import-title = Importar / exportar membros
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
import-done = Importação concluída: { $created ->
    [one] { $created } membro criado
   *[other] { $created } membros criados
}, { $updated ->
    [one] { $updated } actualizado
   *[other] { $updated } actualizados
}.
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
registry-filter-none = Nenhuma escola ou secção tem «{ $query }» no nome ou no código.
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
registry-import-done = Importação concluída: { $schools ->
    [one] { $schools } escola
   *[other] { $schools } escolas
} e { $campuses ->
    [one] { $campuses } secção criadas
   *[other] { $campuses } secções criadas
}.

## Common (interconnection)
action-confirm = Confirmar
action-copy = Copiar
action-retry = Tentar novamente
copied = Copiado
expires-at = Válido até { $time }

## 校部互聯: admin console
nav-interconnections = Organizações interligadas
nav-interconnection-group = Interligação de secções
nav-filings = Pedidos de registo
nav-audit = Registo de operações
nav-pending = { $count ->
    [one] { $count } pedido pendente
   *[other] { $count } pedidos pendentes
}
add-menu = Adicionar
add-interconnected-org = Adicionar organização interligada
add-ic-intro = As secções da mesma escola podem interligar-se; depois disso, cada lado pode consultar os contactos do outro.
invite-organisation = Convidar organização a aderir
invite-organisation-hint = Gera um código QR que o administrador da outra secção lê para confirmar «Estabelecer interligação».
ic-name-intro = Esta secção ainda não iniciou nenhuma interligação. Dê-lhe um nome e gere o código QR do convite.
ic-name = Nome da interligação
ic-default-name = Interligação de secções — { $school }
ic-create-invite = Criar e gerar código QR
ic-pick = Convidar para que interligação
invite-scan-hint = O administrador da outra secção lê este código QR com o telemóvel (ou abre a ligação abaixo) e toca em «Estabelecer interligação».
invite-qr-label = Código QR do convite para «{ $name }»
invite-link = Ligação do convite
invite-new = Gerar novo código QR
invite-pending = Convites por usar
invite-none-pending = Não há convites por usar.
invite-created = Gerado em
invite-expires = Válido até
invite-current = Em exibição
invite-revoke = Revogar
invite-revoked = Convite revogado: o código QR deixou de funcionar.
invite-go-filing = Ir para «Pedidos de registo» para pedir ou consultar o registo
ic-page-intro = As interligações desta secção e quantos membros cada secção mostra. Escolha uma secção para definir os contactos externos ou para a remover.
ic-none = Esta secção ainda não faz parte de nenhuma interligação. Em «Departamentos e membros», carregue em «+» junto à pesquisa → «Adicionar organização interligada» para convidar outra secção.
ic-initiated-by = Iniciada por: { $campus }
ic-published-at = publicada em { $time }
ic-unpublished = Não publicado
ic-published = Publicado
ic-dissolved = Dissolvida
ic-former = Removida
ic-campuses = Secções interligadas
ic-no-campuses = Esta interligação já não tem secções.
ic-dissolved-note = Esta interligação foi dissolvida; os contactos deixaram de ser partilhados.
ic-initiator = Iniciadora
ic-own-campus = Esta secção
ic-exposed-count = { $count ->
    [one] Mostra { $count } membro
   *[other] Mostra { $count } membros
}
ic-own-detail = { $count ->
    [one] Esta secção mostra { $count } membro às outras secções. Escolha os departamentos ou membros a mostrar:
   *[other] Esta secção mostra { $count } membros às outras secções. Escolha os departamentos ou membros a mostrar:
}
ic-other-detail = { $count ->
    [one] Esta secção mostra { $count } membro. Só a secção que iniciou a interligação pode remover secções.
   *[other] Esta secção mostra { $count } membros. Só a secção que iniciou a interligação pode remover secções.
}
ic-remove-detail = Removida «{ $campus }» desta interligação, os contactos deixam de ser partilhados de imediato.
ic-import = Importar departamentos/membros
ic-remove = Remover
ic-remove-title = Remover secção
ic-publish-title = Publicar a interligação
ic-publish = Publicar
ic-publish-confirm = Depois de publicada, os membros dos contactos externos de cada secção de «{ $name }» passam a ver os contactos externos das outras secções. Publicar?
ic-publish-empty = { $count ->
    [one] Atenção: { $campuses } ainda não mostra nenhum membro nos contactos externos. Depois de publicar, as outras secções não vêem ninguém dessa secção, e os membros dela também não vêem as outras secções.
   *[other] Atenção: { $campuses } ainda não mostram nenhum membro nos contactos externos. Depois de publicar, as outras secções não vêem ninguém dessas secções, e os membros delas também não vêem as outras secções.
}
ic-publish-anyway = Publicar mesmo assim
ic-published-notice = «{ $name }» foi publicada.
ic-removed = «{ $campus }» foi removida de «{ $name }».
ic-removed-dissolved = «{ $campus }» foi removida de «{ $name }»; a interligação foi dissolvida.
exposure-intro = Escolha os departamentos e membros que as outras secções vêem (contactos externos). Só os membros que estão nos contactos externos podem ver os contactos das outras secções.
exposure-departments = Departamentos
exposure-departments-hint = Um departamento inclui todos os seus subdepartamentos, incluindo os que forem criados depois.
exposure-included-in = Incluído em «{ $name }»
exposure-with-subs = { $count ->
    [one] com { $count } subdepartamento
   *[other] com { $count } subdepartamentos
}
exposure-members = Membros individuais
exposure-member-search = Pesquisar membros
exposure-member-in-dept = Já incluído num departamento escolhido
exposure-chosen-members = Membros escolhidos ({ $count })
exposure-no-members = Nenhum membro escolhido individualmente.
exposure-remove-member = Retirar { $name }
exposure-fields = Dados mostrados
exposure-fields-hint = Nome, cargo, departamento e fotografia são sempre mostrados.
exposure-show-phone = Mostrar telefone
exposure-show-email = Mostrar correio electrónico
exposure-summary = { $depts ->
    [one] { $depts } departamento
   *[other] { $depts } departamentos
} e { $members ->
    [one] { $members } membro individual escolhido
   *[other] { $members } membros individuais escolhidos
}
exposure-after = { $count ->
    [one] Depois de confirmar, mostra { $count } membro
   *[other] Depois de confirmar, mostra { $count } membros
}
exposure-current = { $count ->
    [one] Mostra actualmente { $count } membro
   *[other] Mostra actualmente { $count } membros
}
exposure-saved = { $count ->
    [one] Contactos externos actualizados: { $count } membro mostrado.
   *[other] Contactos externos actualizados: { $count } membros mostrados.
}
removal-intro = Para remover «{ $campus }» de «{ $name }», confirme primeiro de novo a sua identidade.
removal-verify = Confirmar identidade
removal-qr-label = Código QR para confirmar a identidade
removal-scan-hint = Leia este código QR com o telemóvel onde a conta { $login } tem sessão iniciada e confirme no telemóvel. Esta página continua sozinha depois disso.
removal-remaining = Tempo restante
removal-waiting = À espera da confirmação no telemóvel…
removal-link-summary = Não consegue ler o código?
removal-link = Ligação de confirmação
removal-use-password = Confirmar com a palavra-passe
removal-password = A sua palavra-passe
removal-password-submit = Confirmar identidade
removal-wrong-password = A palavra-passe está incorrecta. Escreva-a de novo.
removal-expired = O código QR expirou (é válido durante 2 minutos). Gere um novo.
removal-restart = Gerar novo código QR
removal-verified = Identidade confirmada.
removal-final-title = Remover mesmo?
removal-final = «{ $campus }» sai de «{ $name }». Depois da remoção:
removal-final-visibility = os membros de «{ $campus }» e das outras secções deixam de imediato de ver os contactos uns dos outros;
removal-final-direct = as conversas individuais entre secções ficam só de leitura, com o histórico guardado para ambos os lados;
removal-final-groups = nas conversas de grupo entre secções, os membros cuja secção deixa de estar interligada com a secção do grupo são removidos, com uma mensagem do sistema.
removal-final-dissolves = É a última outra secção: ao removê-la, a interligação é dissolvida.

## 備案
filing-page-intro = A interligação de secções tem de ser registada junto dos Serviços de Educação. Depois de confirmado o registo, os administradores das secções gerem a interligação.
filing-new = Pedir registo
filing-new-intro = Escolha as secções de «{ $school }» a interligar. O sistema envia por correio electrónico aos Serviços de Educação o número e o nome de cada secção.
filing-campuses = Secções
filing-campuses-hint = Esta secção tem de estar incluída, com pelo menos duas secções.
filing-submit = Submeter pedido de registo
filing-submitted = Pedido de registo { $number } submetido; aguarde a confirmação dos Serviços de Educação.
filing-duplicate-title = Já existe um pedido destas secções
filing-duplicate-pending = O pedido { $number } já inclui as secções escolhidas e aguarda a decisão dos Serviços de Educação. Submeter outro mesmo assim?
filing-duplicate-confirmed = O registo { $number } já inclui as secções escolhidas e está confirmado: não é preciso pedir de novo. Submeter outro mesmo assim?
filing-submit-anyway = Submeter mesmo assim
filing-list = Pedidos de registo
filing-none = Não há pedidos de registo.
filing-number = N.º de registo
filing-school = Escola
filing-filed-by = Requerente
filing-status = Estado
filing-status-all = Todos
filing-status-pending = Pendente
filing-status-confirmed = Registado
filing-status-rejected = Não aceite
filing-reason = Motivo: { $reason }
bureau-filing-intro = Pedidos de registo de interligação das escolas. Ao confirmar ou não aceitar, o sistema avisa por correio electrónico os administradores de cada secção indicada.
filing-confirm = Confirmar registo
filing-confirm-text = Confirmar o registo { $number } de «{ $school }»? Os administradores destas secções recebem um aviso por correio electrónico:
filing-confirmed-notice = Registo { $number } confirmado.
filing-reject = Não aceitar
filing-reject-text = Não aceitar o pedido { $number }. O motivo é enviado por correio electrónico aos administradores de cada secção.
filing-reject-reason = Motivo
filing-reason-required = Indique o motivo para não aceitar.
filing-rejected-notice = Pedido { $number } não aceite.

## 建立互聯 (the invitation's page)
accept-title = Estabelecer interligação
accept-invitation = Convite para interligação
accept-invites = «{ $campus }» convida esta secção a aderir à interligação
accept-interconnection = Interligação
accept-inviting-campus = Secção que convida
accept-school = Escola
accept-own-campus = Esta secção
accept-expires = Convite válido até
accept-explain = Ao tocar em «Estabelecer interligação», «{ $campus }» adere a esta interligação. Entra em vigor quando a secção iniciadora a publicar.
accept-button = Estabelecer interligação
accept-done = Interligação «{ $name }» estabelecida.
accept-next = A seguir: em «Organizações interligadas», escolha os contactos externos desta secção (Importar departamentos/membros).
accept-no-token = Esta ligação está incompleta. Leia de novo o código QR do convite.
refusal-not_admin = Só os administradores da secção podem fazer isto.
refusal-other_school = Só secções da mesma escola se podem interligar; a sua secção pertence a outra escola.
refusal-not_initiator = Só a secção que iniciou a interligação pode fazer isto.
refusal-invitation_expired = Este convite expirou; peça à secção que convida um novo código QR.
refusal-invitation_used = Este convite já foi usado.
refusal-invitation_revoked = Este convite foi revogado.
refusal-filing_required = Estas secções ainda não têm o registo confirmado; peça primeiro o registo aos Serviços de Educação.
refusal-already_member = Esta secção já faz parte desta interligação.
refusal-not_member = Esta secção não faz parte desta interligação.
refusal-interconnection_dissolved = Esta interligação foi dissolvida.
refusal-filing_campuses = Secções inválidas no pedido: tem de incluir esta secção e pelo menos duas secções da mesma escola.
refusal-cannot_remove_initiator = A secção iniciadora não pode ser removida.
refusal-confirmation_required = Confirme primeiro a sua identidade.
refusal-confirmation_expired = A confirmação expirou; comece de novo.
refusal-filing_not_pending = Este pedido de registo já foi decidido.
refusal-unknown = Não é possível fazer isto ({ $code }).

## 操作記錄
audit-intro = Cada passo registado: registo, convites, interligação, contactos externos, publicação e remoção.
audit-export-csv = Exportar CSV
audit-action = Operação
audit-all-actions = Todas as operações
audit-since = De
audit-until = Até
audit-time = Data e hora
audit-details = Detalhes
audit-none = Nenhum registo corresponde.
audit-someone = O sistema
audit-entry-filing_created = { $actor } submeteu aos Serviços de Educação o pedido de registo { $number } para interligar { $campuses }.
audit-entry-filing_confirmed = { $actor } confirmou o registo { $number } ({ $campuses }).
audit-entry-filing_rejected = { $actor } não aceitou o pedido de registo { $number } ({ $campuses }). Motivo: { $reason }
audit-entry-interconnection_created = { $actor } criou a interligação «{ $name }», iniciada por { $campuses }.
audit-entry-invitation_created = { $actor } gerou um convite (código QR e ligação) para aderir a «{ $name }».
audit-entry-invitation_revoked = { $actor } revogou um convite para aderir a «{ $name }»; o seu código QR deixou de funcionar.
audit-entry-invitation_revoked-unnamed = { $actor } revogou um convite de interligação; o seu código QR deixou de funcionar.
audit-entry-invitation_accepted = { $actor } aceitou o convite: { $campus } aderiu a «{ $name }».
audit-entry-exposure_set = { $actor } definiu os contactos externos de { $campus } em «{ $name }»: { $depts ->
    [one] { $depts } departamento
   *[other] { $depts } departamentos
} e { $members ->
    [one] { $members } membro individual
   *[other] { $members } membros individuais
}; { $fields ->
    [both] mostra telefone e correio electrónico
    [phone] mostra telefone, não o correio electrónico
    [email] mostra correio electrónico, não o telefone
   *[none] não mostra telefone nem correio electrónico
}.
audit-entry-exposure_set-unnamed = { $actor } definiu os contactos externos de { $campus }: { $depts ->
    [one] { $depts } departamento
   *[other] { $depts } departamentos
} e { $members ->
    [one] { $members } membro individual
   *[other] { $members } membros individuais
}; { $fields ->
    [both] mostra telefone e correio electrónico
    [phone] mostra telefone, não o correio electrónico
    [email] mostra correio electrónico, não o telefone
   *[none] não mostra telefone nem correio electrónico
}.
audit-entry-interconnection_published = { $actor } publicou a interligação «{ $name }»: os membros dos contactos externos de cada secção passam a ver as outras secções.
audit-entry-campus_removed = { $actor } confirmou de novo a identidade e removeu { $campus } de «{ $name }».
audit-entry-interconnection_dissolved = A interligação «{ $name }» foi dissolvida ao ser removida a última outra secção (por { $actor }).
audit-action-filing_created = Pedido de registo submetido
audit-action-filing_confirmed = Registo confirmado
audit-action-filing_rejected = Pedido de registo não aceite
audit-action-interconnection_created = Interligação criada
audit-action-invitation_created = Convite gerado
audit-action-invitation_revoked = Convite revogado
audit-action-invitation_accepted = Convite aceite
audit-action-exposure_set = Contactos externos definidos
audit-action-interconnection_published = Interligação publicada
audit-action-campus_removed = Secção removida
audit-action-interconnection_dissolved = Interligação dissolvida

## 校部互聯: member app
contacts-interconnected = Organizações interligadas
contacts-search-in = Pesquisar membros de «{ $campus }»
contacts-external-note = «{ $campus }» está interligada através de «{ $name }»; estes são os seus contactos externos.
contacts-path-only = Departamento não partilhado
contacts-path-only-subs = { $depts ->
    [one] { $depts } subdepartamento
   *[other] { $depts } subdepartamentos
}
confirm-title = Confirmar identidade
confirm-remove = Remover «{ $campus }» de «{ $name }»
confirm-action-other = Confirmar a operação: { $action }
confirm-target = Secção a remover
confirm-approve = Confirmar remoção
confirm-approved = Confirmado. Continue na consola de administração, no computador.
confirm-expired = Esta confirmação expirou ou já foi usada. Gere um novo código QR no computador.
confirm-no-token = Esta ligação está incompleta. Leia de novo o código QR.
scan = Ler código QR
scan-starting = A abrir a câmara…
scan-aim = Aponte a câmara para o código QR.
scan-reading = A ler…
scan-opening = A abrir a ligação…
scan-no-camera = Não é possível usar a câmara; pode ler o código QR a partir de uma fotografia.
scan-camera-denied = Sem autorização para usar a câmara. Autorize-a nas definições do navegador ou leia o código a partir de uma fotografia.
scan-reader-failed = Não foi possível carregar o leitor de códigos QR. Tente mais tarde.
scan-none-found = Não há nenhum código QR na fotografia.
scan-foreign = Este código QR não é uma ligação desta plataforma e não será aberto: { $text }
scan-from-picture = Ler de uma fotografia

## chat
chat-tab = Mensagens
chat-tabs = Mensagens e contactos
chat-unread-total = { $count ->
    [one] { $count } mensagem por ler
   *[other] { $count } mensagens por ler
}
chat-unread-count = { $count ->
    [one] { $count } por ler
   *[other] { $count } por ler
}
chat-list = Conversas
chat-conversation = Conversa
chat-add-menu = Adicionar
chat-new-group = Criar grupo
chat-send-message = Enviar mensagem
chat-none = Ainda não há mensagens.
chat-none-hint = Abra o cartão de um membro nos Contactos e toque em «Enviar mensagem», ou use o «+» no canto para criar um grupo.
chat-pick = Escolha uma conversa.
chat-offline = Sem ligação: tudo será actualizado quando a ligação voltar.
chat-reconnecting = A restabelecer a ligação…
chat-direct = Conversa
chat-group = Grupo
chat-members = { $count ->
    [one] { $count } membro
   *[other] { $count } membros
}
chat-group-info = Informações do grupo
chat-group-name = Nome do grupo
chat-group-members = Membros do grupo
chat-owner = Dono do grupo
chat-rename = Mudar o nome
chat-add-members = Adicionar membros
chat-remove-member = Retirar do grupo
chat-remove-member-confirm = Retirar { $name } do grupo?
chat-transfer-owner = Transferir a posse
chat-transfer-owner-confirm = Tornar { $name } dono do grupo? Deixará de o poder gerir.
chat-leave = Sair do grupo
chat-leave-confirm = Sair de «{ $name }»? Deixará de receber as mensagens deste grupo.
chat-dissolve = Dissolver o grupo
chat-dissolve-confirm = Dissolver «{ $name }»? Ninguém poderá voltar a escrever neste grupo.
chat-you = Você
chat-someone = Alguém
chat-today = Hoje
chat-yesterday = Ontem
chat-messages = Mensagens
chat-older = Carregar mensagens anteriores
chat-latest = Ir para as mensagens mais recentes
chat-search = Pesquisar mensagens
search-messages = Pesquisar mensagens
search-messages-placeholder = Pesquisar em todas as conversas
search-in-conversation = Pesquisar mensagens desta conversa
search-in = Pesquisar em «{ $name }»
search-scope = Só em «{ $name }»
search-all = Pesquisar em todas as conversas
search-hint = Escreva palavras ou o nome de um ficheiro, por exemplo «家長會», reunião, meeting. Só se pesquisa nas conversas em que está agora e nas mensagens desde que entrou.
search-none = Nenhuma mensagem contém «{ $query }».
search-results = Resultados da pesquisa
chat-more = Mais acções
chat-reply = Responder
chat-recall = Anular envio
chat-replying = Em resposta a { $name }:
chat-reply-cancel = Cancelar a resposta
chat-quote-recalled = Mensagem anulada
chat-read = Lida
chat-unread = Não lida
chat-all-read = Lida por todos
chat-unread-people = { $count ->
    [one] { $count } pessoa não leu
   *[other] { $count } pessoas não leram
}
chat-readers-title = Quem leu a mensagem
chat-readers-unread = Não leram ({ $count })
chat-readers-read = Leram ({ $count })
chat-sending = A enviar…
chat-sending-waiting = Será enviada quando a ligação voltar…
chat-send-failed = Não foi enviada
chat-send = Enviar
chat-input = Mensagem
chat-input-placeholder = Mensagem…
chat-too-long = Uma mensagem tem no máximo { $max } caracteres.
chat-mention-all = todos
chat-mention-pick = Escolha quem mencionar
chat-mentioned = [Mencionaram-no]
chat-preview-from = { $name }: { $text }
chat-recalled = { $name } anulou o envio de uma mensagem
chat-recalled-self = Você anulou o envio de uma mensagem
chat-readonly-direct = Já não podem trocar mensagens (as secções deixaram de estar interligadas, ou a pessoa já não está nos contactos externos). O histórico continua disponível.
chat-readonly-left = Já não pertence a este grupo; pode ver as mensagens anteriores.
chat-readonly-dissolved = Este grupo foi dissolvido; pode ver as mensagens anteriores.
chat-system-created = { $actor } criou o grupo
chat-system-added = { $actor } adicionou { $members } ao grupo
chat-system-removed = { $actor } retirou { $members } do grupo
chat-system-left = { $actor } saiu do grupo
chat-system-renamed = { $actor } mudou o nome do grupo para «{ $name }»
chat-system-owner_changed = { $actor } passou a posse do grupo a { $members }
chat-system-dissolved = { $actor } dissolveu o grupo
chat-system-campus_disconnected = { $count ->
    [one] { $members } saiu do grupo: a sua secção deixou de estar interligada
   *[other] { $members } saíram do grupo: a sua secção deixou de estar interligada
}
chat-system-other = O grupo foi actualizado
chat-connected-of = Organizações interligadas de { $campus }
chat-no-connected = Não há organizações interligadas.
chat-pick-hint = Marque os membros a juntar ao grupo.
chat-picked = { $count ->
    [one] { $count } pessoa escolhida
   *[other] { $count } pessoas escolhidas
}
chat-unpick = Tirar { $name } da escolha
chat-picker-more = { $count ->
    [one] Falta { $count } membro na lista; use a pesquisa para o encontrar.
   *[other] Faltam { $count } membros na lista; use a pesquisa para os encontrar.
}
chat-tag-image = [Imagem]
chat-tag-voice = [Voz]
chat-tag-file = [Ficheiro]
chat-attach-picture = Enviar imagem
chat-attach-file = Enviar ficheiro
chat-image-open = Ver a imagem { $name }
chat-download = Descarregar
chat-uploading = A carregar
chat-upload-cancelled = Carregamento cancelado.
chat-drop-here = Largue para enviar
chat-voice-hold = Mantenha premido para falar
chat-voice-slide-cancel = Solte para enviar, deslize para cima para cancelar
chat-voice-release-cancel = Solte para cancelar
chat-voice-too-short = Mensagem de voz demasiado curta.
chat-voice-denied = Sem acesso ao microfone: permita-o nas definições do navegador.
chat-voice-unsupported = Este navegador não grava mensagens de voz.
chat-voice-play = Ouvir
chat-voice-pause = Pausa
chat-voice-failed = Não foi possível reproduzir
chat-confirm = Confirmar ({ $count })
chat-owner-leave-hint = Para sair do grupo, o dono tem primeiro de transferir a posse a outro membro.
chat-forward = Reencaminhar
chat-forward-title = Reencaminhar para
chat-forward-search = Procurar conversa
chat-forward-to = Escolha a conversa
chat-forward-none = Não há conversas para onde reencaminhar.
chat-forward-send = Reencaminhar para { $name }
chat-forwarded = Mensagem reencaminhada
chat-forwarded-from = Reencaminhada de { $name }
chat-react = Reagir
chat-react-with = Reagir com { $emoji }
chat-reaction-label = { $emoji }: { $names }
chat-settings = Definições da conversa
chat-pin = Fixar no topo
chat-mute = Silenciar
chat-muted = Silenciada
chat-mark-unread = Marcar como não lida
chat-marked-unread = Marcada como não lida
chat-announcement = Aviso do grupo
chat-announcement-ok = Entendido
chat-announcement-none = Sem aviso do grupo.
chat-announcement-edit = Editar o aviso
chat-call-voice = Chamada de voz
chat-call-video = Videochamada
chat-call-completed = { $kind } { $duration }
chat-call-missed = Chamada não atendida
chat-call-declined = { $kind } recusada
chat-call-cancelled = { $kind } cancelada
chat-call-busy = A pessoa estava noutra chamada
chat-meeting-started = { $actor } iniciou uma reunião
chat-meeting-ended = Reunião terminada, { $duration }
chat-system-announcement = { $actor } atualizou o aviso do grupo: { $name }
chat-system-announcement_cleared = { $actor } apagou o aviso do grupo
notify-title = Notificações
notify-push = Receber notificações de novas mensagens neste dispositivo (mesmo com o campuslink fechado)
notify-unsupported = Este navegador não suporta notificações, ou o campuslink não foi aberto por HTTPS. No telemóvel, adicione primeiro o campuslink ao ecrã principal.
notify-denied = O navegador bloqueou as notificações do campuslink: permita-as nas definições do site.
notify-preview = Mostrar o remetente e o texto nas notificações
notify-digest = Enviar-me por e-mail um resumo das mensagens por ler há mais de { $hours ->
    [one] uma hora
   *[other] { $hours } horas
}
notify-digest-hint = Um e-mail indica as conversas, quantas mensagens e a última (quem a escreveu e o quê só se as notificações mostrarem o remetente e o texto); as mesmas mensagens nunca são enviadas duas vezes. As conversas silenciadas ficam de fora, a menos que o mencionem.
notify-digest-no-email = A sua conta não tem endereço de e-mail: peça ao administrador do seu campus que o acrescente.
notify-sound = Tocar um som quando chega uma mensagem
notify-mute-hint = Cada conversa pode ser silenciada nas suas definições; uma menção a si notifica mesmo assim.

## Calls and meetings (the call screen, the incoming call, the meeting card)
call-meeting = Reunião
call-start-meeting = Iniciar reunião
call-join-meeting = Entrar na reunião
call-meeting-ongoing = Reunião em curso · { $count ->
    [one] { $count } pessoa
   *[other] { $count } pessoas
}
call-incoming-voice = está a ligar-lhe (voz)
call-incoming-video = está a ligar-lhe (vídeo)
call-answer = Atender
call-answer-voice = Atender só com voz
call-decline = Recusar
call-calling = A chamar…
call-connecting = A ligar…
call-reconnecting = Rede instável, a restabelecer a ligação…
call-in-call = Chamada
call-back-to-call = Voltar à chamada
call-hang-up = Desligar
call-leave = Sair da reunião
call-mute = Silenciar
call-unmute = Ativar o som
call-camera = Câmara
call-camera-on = Ligar a câmara
call-camera-off = Desligar a câmara
call-share-screen = Partilhar ecrã
call-stop-share = Parar de partilhar
call-you-share = Está a partilhar o seu ecrã
call-shed-speaker = Servidor sobrecarregado: para manter o som, por agora só se vê o vídeo de quem fala
call-shed-cameras = Servidor sobrecarregado: para manter o som, o vídeo está em pausa
call-screen-of = Ecrã de { $name }
call-raise-hand = Levantar a mão
call-hand-raised = Mão levantada
call-muted = Silenciado
call-layout-grid = Vista em grelha
call-layout-speaker = Vista de orador
call-expand = Ampliar
call-shrink = Reduzir
call-minimize = Minimizar a chamada
call-devices = Dispositivos
call-microphone = Microfone
call-speaker = Altifalante
call-default-device = Predefinido do sistema
call-participants = Participantes ({ $count })
call-host = Anfitrião
call-host-mute = Silenciar
call-host-remove = Remover da reunião
call-quality-good = Boa ligação
call-quality-fair = Ligação razoável
call-quality-poor = Ligação fraca
call-ended = Chamada terminada
call-meeting-left = Saiu da reunião
call-notice-no_longer_allowed = Chamada terminada: as vossas escolas deixaram de estar interligadas
call-notice-removed_by_host = O anfitrião removeu-o da reunião
call-notice-connection_lost = A rede falhou e saiu da chamada
