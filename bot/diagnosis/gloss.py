"""English words for the words people write about fal problems in other languages.

The knowledge base describes most problems in English. A paste in Spanish, Russian or Korean shares
few words with it, so the word fit (BM25) had little to go on unless a symptom in that language
happened to use the same words. Each entry below gives, for one English concept, how it is written
in the languages fal's users write in; a paste's words that begin with one of the Latin or Cyrillic
stems, or hold one of the CJK, kana or Hangul words, add the concept's English words to the words
the fit reads. Word order and grammar are not read: the fit is a bag of words anyway.

Stems are lower case and at least four letters (shorter ones begin too many unrelated words); one
ending in `=` is a whole word (French "interne" begins "internet"). Words of scripts without spaces
are matched inside the text's runs of that script.
"""

from __future__ import annotations

from bot import linear_re

# (English words, stems in alphabetic scripts, words in CJK / kana / Hangul)
_CONCEPTS: tuple[tuple[str, str, str], ...] = (
    (
        "key",
        "clave chave chiave schlüssel schluessel ключ ключа ключе anahtar kunci",
        "密钥 密鑰 金鑰 秘钥 キー 키가 키를 키는 키값",
    ),
    ("balance", "saldo solde guthaben kontostand баланс bakiye", "余额 餘額 残高 잔액 잔고"),
    ("credits", "crédito credito crédit kredit кредит kredi", "积分 额度 額度 点数 クレジット 크레딧"),
    (
        "insufficient exhausted",
        "insuficiente agotad esgotad insuffisant épuisé unzureichend aufgebraucht erschöpft"
        " esaurit insufficiente недостаточно исчерпан закончил yetersiz habis",
        "不足 用完 耗尽 耗盡 不够 不夠 足りません 부족 소진",
    ),
    (
        "locked blocked",
        "bloquead bloqué gesperrt bloccat заблокирован блокир kilitli engellen terkunci diblokir",
        "锁定 鎖定 封禁 冻结 凍結 ロック 잠김 잠금 차단",
    ),
    ("account", "cuenta compte konto аккаунт учетн hesab hesap akun", "账户 帳戶 账号 帳號 アカウント 계정"),
    (
        "payment top up",
        "pago pagamento paiement zahlung оплат ödeme pembayaran recarg aufladen",
        "付款 支付 充值 支払 チャージ 결제 충전",
    ),
    (
        "not configured missing",
        "configurad configuré konfiguriert configurato configurata настроен задан отсутств ayarlanm eksik"
        " tanımlı dikonfigurasi falta faltante ausente manquant fehlt fehlend mancante",
        "未配置 未设置 未設置 未設定 没有设置 沒有設定 缺少 設定されていません 설정되지 누락",
    ),
    (
        "invalid wrong",
        "inválid erróne incorret errad ungültig falsch неверн недействител неправильн geçersiz yanlış salah",
        "无效 無效 無効 不正な 유효하지 잘못된 올바르지",
    ),
    (
        "expired",
        "expirad caducad vencid expiré abgelaufen scadut истек истёк просроч kedaluwarsa kadaluarsa",
        "过期 過期 失效 期限切れ 有効期限 만료",
    ),
    (
        "queue",
        "cola= fila warteschlange coda очеред kuyruk antrean antrian",
        "队列 隊列 排队 排隊 キュー 待ち行列 대기열",
    ),
    (
        "stuck",
        "atascad atorad colgad congelad travad preso presa coincé hängt hängen steckt festgefahren"
        " завис застрял висит takıl macet tertahan terjebak",
        "卡住 卡在 卡死 停在 止まっ 固まっ 멈춰 멈춤 걸려",
    ),
    (
        "timeout wait",
        "espera esperando attente délai zeitüberschreitung wartet warten attesa ожидан таймаут тайм"
        " bekle menunggu",
        "超时 超時 等待 等了 タイムアウト 待って 時間切れ 타임아웃 시간 초과 대기",
    ),
    (
        "minutes hours",
        "minuto minuten минут dakika menit horas heure stunde часа часов",
        "分钟 分鐘 分間 小时 小時 時間 시간",
    ),
    (
        "image",
        "imagen imagem immagine изображен картинк görsel resim gambar",
        "图片 圖片 图像 圖像 画像 이미지 사진",
    ),
    ("black", "negra negro preta preto noire schwarz nero nera черн siyah hitam", "黑 黒 검은 검정 까만"),
    ("video", "vídeo видео", "视频 視頻 動画 비디오 영상"),
    (
        "upload",
        "subir subida hochladen caricar загруз yükle unggah mengunggah téléverser",
        "上传 上傳 アップロード 업로드",
    ),
    (
        "download",
        "descarg baixar télécharg herunterladen scaricar скача unduh",
        "下载 下載 ダウンロード 다운로드",
    ),
    ("file", "archivo arquivo fichier datei файл dosya berkas", "文件 檔案 ファイル 파일"),
    (
        "too large size",
        "grande tamanho tamaño taille größe groß dimensione размер большой boyut ukuran besar",
        "太大 过大 過大 大きすぎ サイズ 크기 용량",
    ),
    ("model", "modelo modèle modello модел", "模型 モデル 모델"),
    (
        "not found",
        "encontr introuvable gefunden trovat найден существует bulunamad ditemukan",
        "找不到 未找到 不存在 見つかりません 存在しません 찾을 수 없 존재하지",
    ),
    (
        "endpoint path",
        "ruta rota chemin pfad percorso путь эндпоинт",
        "端点 端點 路径 路徑 エンドポイント パス 엔드포인트 경로",
    ),
    (
        "too many limit",
        "demasiad muitas zuviel viele troppe слишком fazla banyak límite grenze лимит ограничен sınır batas",
        "太多 过多 過多 频繁 頻繁 限制 限流 上限 多すぎ 制限 너무 많 제한 한도",
    ),
    (
        "request",
        "solicitud petición requisição solicitação requête anfrage richiesta запрос istek permintaan",
        "请求 請求 リクエスト 요청",
    ),
    ("concurrent", "simultáne gleichzeitig одновремен eşzamanlı bersamaan", "并发 並發 同時 동시"),
    (
        "connection network",
        "conexión conexão connexion verbindung connessione соединен подключен сеть сетев bağlantı"
        " koneksi jaringan rede réseau netzwerk",
        "连接 連接 連線 网络 網路 網絡 接続 ネットワーク 연결 네트워크",
    ),
    (
        "server unavailable",
        "servidor serveur сервер sunucu indisponible verfügbar disponibile недоступ disponible"
        " indisponível kullanılam tersedia",
        "服务器 伺服器 サーバー 서버 不可用 利用できません 사용할 수 없",
    ),
    ("internal", "interno interne= interner внутрен", "内部 내부"),
    (
        "content",
        "contenido conteúdo contenu inhalt contenuto контент содержим içerik konten",
        "内容 コンテンツ 콘텐츠",
    ),
    (
        "policy safety",
        "política politique richtlinie politika политик seguridad segurança sécurité sicherheit sicurezza"
        " безопасн güvenlik keamanan",
        "安全 ポリシー 정책 안전",
    ),
    (
        # a checker's verdict itself (censored, flagged as inappropriate), not only the word for a policy
        "policy safety censored",
        "censura zensur цензур sansür inapropiad inapproprié unangemessen inappropriato неприемлем uygunsuz",
        "审查 審查 审核 審核 敏感 违规 違規 不適切 検閲 부적절 검열 유해",
    ),
    ("face", "rostro rosto visage gesicht volto лицо лица wajah", "人脸 人臉 顔 얼굴"),
    (
        "detected",
        "detectad detecté erkannt rilevat обнаруж algılan terdeteksi",
        "检测 檢測 検出 감지 검출 인식",
    ),
    (
        "format unsupported",
        "formato формат biçim soportad suportad unterstützt supportat поддерживает desteklenm didukung",
        "格式 不支持 不支援 形式 サポートされていません 非対応 형식 지원되지",
    ),
    (
        "parameter field required",
        "parámetro parâmetro paramètre parametro параметр parametre campo feld поле obligatori"
        " requerid obrigatóri erforderlich pflicht richiest обязательн zorunlu wajib",
        "参数 參數 字段 欄位 必填 必需 必須 パラメータ 필수 매개변수 파라미터 필드",
    ),
    (
        "value range",
        "valor valeur wert valore значени değer nilai rango intervalo plage bereich intervallo"
        " диапазон aralık rentang",
        "范围 範圍 超出 範囲 범위",
    ),
    (
        "installed module package version",
        "instalad instalar installé installiert установ terinstal módulo модул"
        " paquete pacote paquet paket pacchetto пакет versión versão versione верси sürüm",
        "安装 安裝 インストール 설치 模块 模組 モジュール 모듈 パッケージ 패키지 版本 バージョン 버전",
    ),
    (
        "result output empty",
        "resultado résultat ergebnis risultato результат sonuç hasil vacío vacía vazio vazia"
        " vuoto vuota пуст kosong",
        "结果 結果 결과 输出 出力 출력 返回空 空の 비어",
    ),
    ("webhook callback", "", "回调 回調 コールバック 콜백 웹훅"),
    (
        "cancelled",
        "cancelad annulé abgebrochen storniert annullat отмен iptal dibatalkan",
        "取消 キャンセル 취소",
    ),
    (
        "generation",
        "generación geração génération generierung generazione генерац üretim oluştur pembuatan",
        "生成 생성",
    ),
    (
        "authorization permission forbidden",
        "autorización autorização autorisation autorisierung autorizzazione авторизац yetki otorisasi"
        " permiso permissão berechtigung permesso доступ proibid interdit verboten vietat"
        " запрещ yasak dilarang",
        "授权 授權 认证 認證 認証 权限 權限 権限 禁止 인증 권한 금지",
    ),
    ("header", "encabezado cabeçalho kopfzeile заголов başlık", "请求头 ヘッダー 헤더"),
    ("browser", "navegador navigateur браузер tarayıcı", "浏览器 瀏覽器 ブラウザ 브라우저"),
    (
        "rejected refused",
        "rechaz recusad recusou refusé abgelehnt rifiutat отклон reddetti reddedil ditolak",
        "拒绝 拒絕 拒否 거부 거절",
    ),
    (
        "extract parse",
        "extraer extrair extrahier estrarre estratt извлеч ayrıştır",
        "提取 解析 抽出 추출 파싱 パース",
    ),
    (
        "failed",
        "fallid falló= falhou falha= fehlgeschlagen échoué échec fallit başarısız gagal удалось=",
        "失败 失敗 崩溃 崩潰 실패",
    ),
    (
        "realtime closed disconnected",
        "echtzeit cerrad fechad fermé geschlossen chius закрыт kapatıl ditutup desconectad déconnecté"
        " getrennt disconness отключ разорван terputus",
        "实时 實時 即時 リアルタイム 실시간 关闭 閉じ 닫힘 断开 斷開 切断 끊김 끊어",
    ),
    ("slow", "lento lenta langsam медленн yavaş lambat tarda demora dauert", "很慢 遅い 느림 오래 걸"),
    (
        "response",
        "respuesta resposta réponse antwort risposta ответ yanıt",
        "无响应 無回應 没有响应 応答 응답",
    ),
    (
        "duration seconds",
        "duración duração durée dauer durata длительност süre durasi segundo seconde sekunde секунд"
        " saniye detik",
        "时长 時長 長さ 길이",
    ),
    ("audio", "áudio аудио suara", "音频 音訊 音声 오디오 음성"),
    (
        "storage",
        "almacenamiento armazenamento stockage speicher archiviazione хранилищ depolama penyimpanan",
        "存储 儲存 ストレージ 스토리지 저장소",
    ),
    ("link url", "enlace vínculo ссылк tautan", "链接 連結 鏈接 リンク 링크"),
    ("dashboard", "painel панел dasbor", "控制台 仪表盘 ダッシュボード 대시보드"),
)

# stem -> English words, for the words of alphabetic scripts
_STEMS: dict[str, str] = {}
# CJK / kana / Hangul word -> English words
_SCRIPT_WORDS: dict[str, str] = {}
# whole words, for the stems that also begin unrelated words
_WHOLE_WORDS: dict[str, str] = {}
for _english, _stems, _script_words in _CONCEPTS:
    for _stem in _stems.split():
        if _stem.endswith("="):
            _WHOLE_WORDS[_stem[:-1]] = _english
        else:
            _STEMS[_stem] = _english
    for _word in _script_words.split():
        if not _word.isascii():
            _SCRIPT_WORDS[_word] = _english
_STEM_LENGTHS = sorted({len(stem) for stem in _STEMS}, reverse=True)
# the stems' first four letters: most of a paste's words (English ones) begin with none of them
_STEM_STARTS = frozenset(stem[:4] for stem in _STEMS)
_SCRIPT_SET = linear_re.LiteralSet(sorted(_SCRIPT_WORDS))


def concepts(words: list[str], text: str) -> list[str]:
    """The concepts (their English words) that the other-language words among `words` (a text's
    lower-case words) and inside `text` (its CJK, kana and Hangul runs) name, in order found, each
    once; none for an English text."""
    found: dict[str, None] = {}
    for word in dict.fromkeys(words):  # a long log repeats its words
        if len(word) < 4:
            continue
        whole = _WHOLE_WORDS.get(word)
        if whole is not None:
            found[whole] = None
            continue
        if word[:4] not in _STEM_STARTS:
            continue
        for length in _STEM_LENGTHS:
            if length <= len(word):
                english = _STEMS.get(word[:length])
                if english is not None:
                    found[english] = None
                    break
    if not text.isascii():
        for word in sorted(_SCRIPT_SET.occurring(text.lower())):
            found[_SCRIPT_WORDS[word]] = None
    return list(found)


# A problem named by two of its concepts in any language ("la clave no está configurada": a key,
# not configured): each needs one concept of every group.
_CONCEPT_PAIRS: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = tuple(
    (category, tuple(frozenset(group.split("|")) for group in groups))
    for category, *groups in (
        ("missing_key", "key", "not configured missing"),
        ("invalid_key", "key", "invalid wrong|expired|rejected refused|authorization permission forbidden"),
        ("billing", "balance|credits|payment top up", "insufficient exhausted|locked blocked"),
        ("billing", "account", "locked blocked"),
        ("queue_timeout", "queue", "stuck|timeout wait|minutes hours|slow"),
        ("content_policy", "image|video", "black"),
        ("content_policy", "content", "policy safety|policy safety censored"),
        # a generation the checker censored: "단순 생성도 검열되었다고", "生成的图片审核未通过"
        ("content_policy", "generation|image|video", "policy safety censored"),
        ("model_not_found", "model|endpoint path", "not found"),
        ("rate_limit", "too many limit", "request|concurrent"),
        ("network", "connection network", "timeout wait"),
        ("file_url", "upload|download|file|link url", "too large size|expired|not found"),
        ("file_url", "upload|download", "failed"),
        ("validation", "parameter field required", "invalid wrong|value range|not configured missing"),
        ("validation", "face", "detected"),
        ("validation", "format unsupported", "image|video|audio|file"),
        ("client_setup", "installed module package version", "not found|not configured missing"),
        ("output_format", "result output empty", "extract parse"),
    )
)


def concept_categories(found: list[str]) -> list[str]:
    """The families whose problem the concepts name together (see `_CONCEPT_PAIRS`)."""
    if not found:
        return []
    have = set(found)
    return sorted({category for category, groups in _CONCEPT_PAIRS if all(group & have for group in groups)})
