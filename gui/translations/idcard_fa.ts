<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>Attributes</name>
    <message>
        <source>Your name (Persian and Latin)</source>
        <translation>نام شما (فارسی و لاتین)</translation>
    </message>
    <message>
        <source>Your national code</source>
        <translation>کد ملی شما</translation>
    </message>
    <message>
        <source>Your date of birth</source>
        <translation>تاریخ تولد شما</translation>
    </message>
    <message>
        <source>Your photo</source>
        <translation>عکس شما</translation>
    </message>
</context>
<context>
    <name>ConsentPage</name>
    <message>
        <source>This website asks you to log in with your national ID card:</source>
        <translation>این وب‌سایت از شما می‌خواهد با کارت هوشمند ملی خود وارد شوید:</translation>
    </message>
    <message>
        <source>It will receive:</source>
        <translation>این اطلاعات را دریافت می‌کند:</translation>
    </message>
    <message>
        <source>Only that you are the holder of your card</source>
        <translation>فقط اینکه شما دارندهٔ کارت خود هستید</translation>
    </message>
    <message>
        <source>Proof that you hold your card (your certificate)</source>
        <translation>اثبات اینکه کارت در دست شماست (گواهی دیجیتال شما)</translation>
    </message>
    <message>
        <source>Also send my photo (asked for by the website)</source>
        <translation>عکس من هم فرستاده شود (وب‌سایت آن را خواسته است)</translation>
    </message>
    <message>
        <source>Check the address above: only continue if it is the website you want to log in to. You will then enter your PIN.</source>
        <translation>نشانی بالا را بررسی کنید: فقط اگر همان وب‌سایتی است که می‌خواهید به آن وارد شوید ادامه دهید. پس از آن پین خود را وارد می‌کنید.</translation>
    </message>
    <message>
        <source>Accept and continue</source>
        <translation>موافقم، ادامه</translation>
    </message>
    <message>
        <source>Refuse</source>
        <translation>رد می‌کنم</translation>
    </message>
</context>
<context>
    <name>Desk</name>
    <message>
        <source>Identity check</source>
        <translation>احراز هویت</translation>
    </message>
    <message>
        <source>Stores the name, national code, date of birth, card number and expiry, with the signed data they come from (no photo).</source>
        <translation>نام، کد ملی، تاریخ تولد، شماره و تاریخ انقضای کارت را همراه با داده‌های امضاشده‌ای که از آن‌ها آمده‌اند نگه می‌دارد (بدون عکس).</translation>
    </message>
    <message>
        <source>Identity check with photo</source>
        <translation>احراز هویت با عکس</translation>
    </message>
    <message>
        <source>As the identity check, and also the photo.</source>
        <translation>مانند احراز هویت، به‌علاوهٔ عکس.</translation>
    </message>
    <message>
        <source>Document check</source>
        <translation>بررسی مدرک</translation>
    </message>
    <message>
        <source>Stores only the document data of the machine-readable zone (Latin name, national code, card number, expiry).</source>
        <translation>فقط اطلاعات مدرک در ناحیهٔ ماشین‌خوان را نگه می‌دارد (نام لاتین، کد ملی، شماره و تاریخ انقضای کارت).</translation>
    </message>
</context>
<context>
    <name>DeskPage</name>
    <message>
        <source>Read a card</source>
        <translation>خواندن کارت</translation>
    </message>
    <message>
        <source>Desk</source>
        <translation>باجه</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>متصدی</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>هدف</translation>
    </message>
    <message>
        <source>Records are kept in: {location}</source>
        <translation>محل نگهداری سوابق: {location}</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>ثبت</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>کنار گذاشتن</translation>
    </message>
    <message>
        <source>History</source>
        <translation>سوابق</translation>
    </message>
    <message>
        <source>Verify a citizen&apos;s card</source>
        <translation>بررسی کارت شهروند</translation>
    </message>
    <message>
        <source>Verify a card</source>
        <translation>بررسی کارت</translation>
    </message>
    <message>
        <source>Verification records</source>
        <translation>سوابق احراز هویت</translation>
    </message>
    <message>
        <source>Search by name, national code or card number</source>
        <translation>جستجو با نام، کد ملی یا شماره کارت</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>زمان</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>نام</translation>
    </message>
    <message>
        <source>National code</source>
        <translation>کد ملی</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>نتیجه</translation>
    </message>
    <message>
        <source>Save receipt (PDF)…</source>
        <translation>ذخیرهٔ رسید (PDF)…</translation>
    </message>
    <message>
        <source>Save evidence (JSON)…</source>
        <translation>ذخیرهٔ شواهد (JSON)…</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>بررسی دوباره</translation>
    </message>
    <message>
        <source>Check an evidence file…</source>
        <translation>بررسی فایل شواهد…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>بستن</translation>
    </message>
    <message>
        <source>Recorded. Record {id}</source>
        <translation>ثبت شد. شناسهٔ سابقه: {id}</translation>
    </message>
    <message>
        <source>changed after saving!</source>
        <translation>پس از ثبت تغییر کرده!</translation>
    </message>
    <message>
        <source>verified</source>
        <translation>تأییدشده</translation>
    </message>
    <message>
        <source>not verified</source>
        <translation>تأییدنشده</translation>
    </message>
</context>
<context>
    <name>HandoffProgressPage</name>
    <message>
        <source>Connecting to your card</source>
        <extracomment>The steps the citizen sees, and the workflow steps each covers.</extracomment>
        <translation>اتصال به کارت شما</translation>
    </message>
    <message>
        <source>Unlocking with your PIN</source>
        <translation>باز کردن کارت با پین</translation>
    </message>
    <message>
        <source>Reading your data</source>
        <translation>خواندن اطلاعات شما</translation>
    </message>
    <message>
        <source>Signing the login</source>
        <translation>امضای ورود</translation>
    </message>
    <message>
        <source>Sending to the website</source>
        <translation>ارسال به وب‌سایت</translation>
    </message>
    <message>
        <source>Logging you in…</source>
        <translation>در حال ورود شما…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>بستن</translation>
    </message>
    <message>
        <source>You are logged in to {origin}</source>
        <translation>شما وارد {origin} شدید</translation>
    </message>
    <message>
        <source>Your browser continues to the website by itself. You can close this screen.</source>
        <translation>مرورگر شما خودش به وب‌سایت ادامه می‌دهد. می‌توانید این صفحه را ببندید.</translation>
    </message>
    <message>
        <source>The login did not complete</source>
        <translation>ورود انجام نشد</translation>
    </message>
    <message>
        <source>Open “Read my card” to enter the CAN, then log in again.</source>
        <translation>«خواندن کارت من» را باز کنید تا کد CAN را وارد کنید، سپس دوباره وارد شوید.</translation>
    </message>
    <message>
        <source>Open “Read my card” to unblock it with your PUK, then log in again.</source>
        <translation>«خواندن کارت من» را باز کنید تا پین را با کد PUK باز کنید، سپس دوباره وارد شوید.</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <source>Card reader</source>
        <translation>کارت‌خوان</translation>
    </message>
    <message>
        <source>NFC reader</source>
        <translation>کارت‌خوان NFC</translation>
    </message>
    <message>
        <source>Demo card</source>
        <translation>کارت نمایشی</translation>
    </message>
    <message>
        <source>Built-in demo card</source>
        <translation>کارت نمایشی داخلی</translation>
    </message>
    <message>
        <source>card in</source>
        <translation>کارت گذاشته شده</translation>
    </message>
    <message>
        <source>no card</source>
        <translation>بدون کارت</translation>
    </message>
    <message>
        <source>No card reader found</source>
        <translation>کارت‌خوانی پیدا نشد</translation>
    </message>
    <message>
        <source>Connect a card reader (or an NFC reader) to this computer.</source>
        <translation>یک کارت‌خوان (یا کارت‌خوان NFC) به این رایانه وصل کنید.</translation>
    </message>
    <message>
        <source>Card removed — put it back to continue</source>
        <translation>کارت برداشته شد — برای ادامه آن را دوباره بگذارید</translation>
    </message>
    <message>
        <source>Put your card back on the reader; the app continues by itself.</source>
        <translation>کارت را دوباره روی کارت‌خوان بگذارید؛ برنامه خودش ادامه می‌دهد.</translation>
    </message>
    <message>
        <source>The demo card is ready</source>
        <translation>کارت نمایشی آماده است</translation>
    </message>
    <message>
        <source>A fictional citizen&apos;s card built into the app, to try everything out. Its PIN is 123456.</source>
        <translation>کارت یک شهروند خیالی، درون برنامه، برای امتحان همهٔ امکانات. پین آن ۱۲۳۴۵۶ است.</translation>
    </message>
    <message>
        <source>Card found</source>
        <translation>کارت پیدا شد</translation>
    </message>
    <message>
        <source>Press “Read my card” and enter your PIN to see your identity.</source>
        <translation>دکمهٔ «خواندن کارت من» را بزنید و پین خود را وارد کنید تا هویت خود را ببینید.</translation>
    </message>
    <message>
        <source>Put your card on the reader</source>
        <translation>کارت خود را روی کارت‌خوان بگذارید</translation>
    </message>
    <message>
        <source>The app notices the card by itself.</source>
        <translation>برنامه خودش متوجه کارت می‌شود.</translation>
    </message>
    <message>
        <source>Then press “Read my card”.</source>
        <translation>سپس دکمهٔ «خواندن کارت من» را بزنید.</translation>
    </message>
    <message>
        <source>Portal login service: running at {address}</source>
        <translation>سرویس ورود به درگاه‌ها: در حال اجرا در {address}</translation>
    </message>
    <message>
        <source>&amp;Reader:</source>
        <translation>&amp;کارت‌خوان:</translation>
    </message>
    <message>
        <source>Read my card</source>
        <translation>خواندن کارت من</translation>
    </message>
    <message>
        <source>PINs</source>
        <translation>پین‌ها</translation>
    </message>
    <message>
        <source>See how many tries are left; change your PIN or your signature PIN.</source>
        <translation>ببینید چند بار فرصت باقی است؛ پین یا پین امضای خود را تغییر دهید.</translation>
    </message>
    <message>
        <source>Manage PINs</source>
        <translation>مدیریت پین‌ها</translation>
    </message>
    <message>
        <source>Sign a document</source>
        <translation>امضای سند</translation>
    </message>
    <message>
        <source>Sign a file with your card; the signature is saved beside it.</source>
        <translation>فایلی را با کارت خود امضا کنید؛ امضا کنار آن ذخیره می‌شود.</translation>
    </message>
    <message>
        <source>Sign a file</source>
        <translation>امضای فایل</translation>
    </message>
    <message>
        <source>Service desk</source>
        <translation>باجهٔ خدمات</translation>
    </message>
    <message>
        <source>For clerks: verify a citizen&apos;s card and keep a record.</source>
        <translation>برای متصدیان: کارت شهروند را بررسی و سابقهٔ آن را ثبت کنید.</translation>
    </message>
    <message>
        <source>Open the desk</source>
        <translation>باز کردن باجه</translation>
    </message>
</context>
<context>
    <name>IdentityPage</name>
    <message>
        <source>My identity</source>
        <translation>هویت من</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>بازگشت</translation>
    </message>
</context>
<context>
    <name>IdentityView</name>
    <message>
        <source>National code</source>
        <translation>کد ملی</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>تاریخ تولد</translation>
    </message>
    <message>
        <source>Card number</source>
        <translation>شماره کارت</translation>
    </message>
    <message>
        <source>Valid until</source>
        <translation>اعتبار تا</translation>
    </message>
    <message>
        <source>All checks and certificates…</source>
        <translation>همهٔ بررسی‌ها و گواهی‌ها…</translation>
    </message>
    <message>
        <source>The photo cannot be read</source>
        <translation>عکس خوانده نمی‌شود</translation>
    </message>
    <message>
        <source>The identity data cannot be read</source>
        <translation>اطلاعات هویتی خوانده نمی‌شود</translation>
    </message>
    <message>
        <source>Verified: this card and its data are genuine</source>
        <translation>تأیید شد: این کارت و اطلاعات آن اصل است</translation>
    </message>
    <message>
        <source>Not verified: see the reasons below</source>
        <translation>تأیید نشد: دلیل‌ها را در زیر ببینید</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Enter the citizen&apos;s PIN: the citizen types it.</source>
        <translation>پین شهروند: خود شهروند آن را وارد می‌کند.</translation>
    </message>
    <message>
        <source>Service desk</source>
        <translation>باجهٔ خدمات</translation>
    </message>
    <message>
        <source>National ID Card</source>
        <translation>کارت هوشمند ملی</translation>
    </message>
    <message>
        <source>My card</source>
        <translation>کارت من</translation>
    </message>
    <message>
        <source>PINs</source>
        <translation>پین‌ها</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>امضا</translation>
    </message>
    <message>
        <source>Switch language (Ctrl+L)</source>
        <translation>تغییر زبان (Ctrl+L)</translation>
    </message>
    <message>
        <source>Demo mode: the built-in demo card of a fictional citizen, checked against the TEST certificates of the demo — not a real card or the national registry.</source>
        <translation>حالت نمایشی: کارت نمایشی داخلیِ یک شهروند خیالی که با گواهی‌های آزمایشی بررسی می‌شود — نه کارت واقعی است و نه سازمان ثبت احوال.</translation>
    </message>
    <message>
        <source>Please wait</source>
        <translation>لطفاً صبر کنید</translation>
    </message>
    <message>
        <source>Keep your card on the reader.</source>
        <translation>کارت را روی کارت‌خوان نگه دارید.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>انصراف</translation>
    </message>
    <message>
        <source>Card removed — put it back to continue</source>
        <translation>کارت برداشته شد — برای ادامه آن را دوباره بگذارید</translation>
    </message>
    <message>
        <source>The card left the reader before the app was done. Put it back: the app starts again by itself, and asks for your PIN again.</source>
        <translation>کارت پیش از پایان کار برداشته شد. آن را دوباره بگذارید: برنامه خودش از نو شروع می‌کند و دوباره پین را می‌پرسد.</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>تلاش دوباره</translation>
    </message>
    <message>
        <source>That did not work</source>
        <translation>انجام نشد</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>بازگشت</translation>
    </message>
    <message>
        <source>Your PIN is changed.</source>
        <translation>پین شما تغییر کرد.</translation>
    </message>
    <message>
        <source>Your signature PIN is changed.</source>
        <translation>پین امضای شما تغییر کرد.</translation>
    </message>
    <message>
        <source>{n} tries left.</source>
        <translation>{n} بار فرصت باقی است.</translation>
    </message>
    <message>
        <source>Signed. The signature is saved as {file}</source>
        <translation>امضا شد. امضا در این فایل ذخیره شد: {file}</translation>
    </message>
    <message>
        <source>Save the receipt</source>
        <extracomment>The read waiting to be recorded (or discarded).</extracomment>
        <translation>ذخیرهٔ رسید</translation>
    </message>
    <message>
        <source>Receipt saved: {file}</source>
        <translation>رسید ذخیره شد: {file}</translation>
    </message>
    <message>
        <source>Save the evidence</source>
        <translation>ذخیرهٔ شواهد</translation>
    </message>
    <message>
        <source>Evidence saved: {file}</source>
        <translation>شواهد ذخیره شد: {file}</translation>
    </message>
    <message>
        <source>Open an evidence file</source>
        <translation>باز کردن فایل شواهد</translation>
    </message>
    <message>
        <source>Checked again: the record and its evidence are genuine.</source>
        <translation>دوباره بررسی شد: سابقه و شواهد آن اصل است.</translation>
    </message>
    <message>
        <source>Checked again: NOT verified — see the details.</source>
        <translation>دوباره بررسی شد: تأیید نشد — جزئیات را ببینید.</translation>
    </message>
    <message>
        <source>Record checked again</source>
        <translation>بررسی دوبارهٔ سابقه</translation>
    </message>
    <message>
        <source>To log in to {origin}</source>
        <extracomment>A hand-off the citizen sees is running: the other features wait. The reader a hand-off uses: the one chosen on the home page.</extracomment>
        <translation>برای ورود به {origin}</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>Card removed — put it back to continue.</source>
        <translation>کارت برداشته شد — برای ادامه آن را دوباره روی کارت‌خوان بگذارید.</translation>
    </message>
    <message>
        <source>No card found. Put your card on the reader.</source>
        <translation>کارتی پیدا نشد. کارت خود را روی کارت‌خوان بگذارید.</translation>
    </message>
    <message>
        <source>The card stopped answering. Take it off the reader, put it back and try again.</source>
        <translation>کارت دیگر پاسخ نمی‌دهد. آن را از کارت‌خوان بردارید، دوباره بگذارید و باز امتحان کنید.</translation>
    </message>
    <message>
        <source>The reader could not talk to the card. Put the card back on the reader and try again.</source>
        <translation>کارت‌خوان نتوانست با کارت ارتباط بگیرد. کارت را دوباره روی کارت‌خوان بگذارید و باز امتحان کنید.</translation>
    </message>
    <message>
        <source>The reader is not connected any more. Connect it and try again.</source>
        <translation>کارت‌خوان دیگر وصل نیست. آن را وصل کنید و دوباره امتحان کنید.</translation>
    </message>
    <message>
        <source>The software for this reader is not installed.</source>
        <translation>نرم‌افزار این کارت‌خوان نصب نشده است.</translation>
    </message>
    <message>
        <source>This card is not supported.</source>
        <translation>این کارت پشتیبانی نمی‌شود.</translation>
    </message>
    <message>
        <source>That reader name cannot be used. Choose a reader from the list, or check the name given with --reader.</source>
        <translation>این نام کارت‌خوان قابل استفاده نیست. کارت‌خوانی را از فهرست انتخاب کنید یا نامی را که با ‎--reader‎ داده شده بررسی کنید.</translation>
    </message>
    <message>
        <source>The ID PIN is 4 to 8 digits.</source>
        <translation>رمز اول ۴ تا ۸ رقم است.</translation>
    </message>
    <message>
        <source>The card gave no usable answer to the PIN. Take it off the reader and try again.</source>
        <translation>کارت پاسخ قابل استفاده‌ای به رمز نداد. کارت را از کارت‌خوان بردارید و دوباره امتحان کنید.</translation>
    </message>
    <message>
        <source>The registry&apos;s card-authentication service did not answer or refused the card. Check the network, or read the card without it.</source>
        <translation>سرویس احراز کارت ثبت احوال پاسخ نداد یا کارت را نپذیرفت. شبکه را بررسی کنید یا کارت را بدون آن بخوانید.</translation>
    </message>
    <message>
        <source>The card did not give what the card-authentication service needs.</source>
        <translation>کارت اطلاعاتی را که سرویس احراز کارت لازم دارد نداد.</translation>
    </message>
    <message>
        <source>The card refused the registry&apos;s keys: it is not the card the registry issued them for. Do not rely on it.</source>
        <translation>کارت کلیدهای ثبت احوال را نپذیرفت: این همان کارتی نیست که ثبت احوال کلیدها را برایش صادر کرده است. به آن اعتماد نکنید.</translation>
    </message>
    <message>
        <source>The card refused a command. Take it off the reader, put it back and try again.</source>
        <translation>کارت یک فرمان را نپذیرفت. کارت را بردارید، دوباره روی کارت‌خوان بگذارید و دوباره امتحان کنید.</translation>
    </message>
    <message>
        <source>The registry&apos;s card-authentication service gave an answer that cannot be read.</source>
        <translation>سرویس احراز کارت ثبت احوال پاسخی داد که خوانا نیست.</translation>
    </message>
    <message>
        <source>The registry&apos;s card-authentication service refused this card.</source>
        <translation>سرویس احراز کارت ثبت احوال این کارت را نپذیرفت.</translation>
    </message>
    <message>
        <source>The address of the card-authentication service must start with http:// or https://.</source>
        <translation>نشانی سرویس احراز کارت باید با ‎http://‎ یا ‎https://‎ شروع شود.</translation>
    </message>
    <message>
        <source>The personal data signed on the card does not verify: it may have been changed. Do not rely on it.</source>
        <translation>دادهٔ شخصی امضاشده روی کارت تأیید نمی‌شود: ممکن است تغییر کرده باشد. به آن اعتماد نکنید.</translation>
    </message>
    <message>
        <source>This card failed the registry&apos;s card check (it may be a copy). Do not rely on it.</source>
        <translation>این کارت در بررسی کارت ثبت احوال رد شد (ممکن است کپی باشد). به آن اعتماد نکنید.</translation>
    </message>
    <message>
        <source>This card has no keys for logging in or signing.</source>
        <translation>این کارت کلیدی برای ورود یا امضا ندارد.</translation>
    </message>
    <message>
        <source>The card gave an answer that cannot be read.</source>
        <translation>کارت پاسخی داد که خوانده نمی‌شود.</translation>
    </message>
    <message>
        <source>The secure connection to the card broke. Try again.</source>
        <translation>ارتباط امن با کارت قطع شد. دوباره امتحان کنید.</translation>
    </message>
    <message>
        <source>The card refused the connection. Try again.</source>
        <translation>کارت ارتباط را نپذیرفت. دوباره امتحان کنید.</translation>
    </message>
    <message>
        <source>The card did not accept the number entered.</source>
        <translation>کارت عدد واردشده را نپذیرفت.</translation>
    </message>
    <message>
        <source>This card failed to prove it is genuine (it may be a copy). Nothing was read from it.</source>
        <translation>این کارت نتوانست اصل بودن خود را ثابت کند (ممکن است کپی باشد). چیزی از آن خوانده نشد.</translation>
    </message>
    <message>
        <source>Your PIN is blocked. Unblock it with your PUK.</source>
        <translation>پین شما مسدود است. با کد PUK آن را باز کنید.</translation>
    </message>
    <message>
        <source>Your PIN is suspended. Enter the CAN printed on your card first.</source>
        <translation>پین شما معلق است. ابتدا کد CAN را که روی کارت چاپ شده وارد کنید.</translation>
    </message>
    <message>
        <source>Wrong PIN.</source>
        <translation>پین اشتباه است.</translation>
    </message>
    <message>
        <source>Your PUK is used up: this card can no longer unblock its PIN. Ask the registry office for a new card.</source>
        <translation>دفعات استفاده از کد PUK تمام شده است: این کارت دیگر نمی‌تواند پین خود را باز کند. برای کارت جدید به دفتر ثبت احوال مراجعه کنید.</translation>
    </message>
    <message>
        <source>Wrong PUK.</source>
        <translation>کد PUK اشتباه است.</translation>
    </message>
    <message>
        <source>Wrong CAN.</source>
        <translation>کد CAN اشتباه است.</translation>
    </message>
    <message>
        <source>Wrong signature PIN.</source>
        <translation>پین امضا اشتباه است.</translation>
    </message>
    <message>
        <source>Your signature PIN is blocked. Unblock it with your PUK.</source>
        <translation>پین امضای شما مسدود است. با کد PUK آن را باز کنید.</translation>
    </message>
    <message>
        <source>That did not work: {detail}</source>
        <translation>انجام نشد: {detail}</translation>
    </message>
    <message>
        <source>You refused the request; nothing was sent.</source>
        <translation>درخواست را رد کردید؛ چیزی ارسال نشد.</translation>
    </message>
    <message>
        <source>The card&apos;s signature does not match its certificate; no file was written.</source>
        <translation>امضای کارت با گواهی آن جور نیست؛ هیچ فایلی نوشته نشد.</translation>
    </message>
    <message>
        <source>The record could not be saved: {detail}</source>
        <translation>سابقه ذخیره نشد: {detail}</translation>
    </message>
    <message>
        <source>Something went wrong in the app: {detail}</source>
        <translation>در برنامه خطایی رخ داد: {detail}</translation>
    </message>
    <message>
        <source>The operation failed: {detail}</source>
        <translation>عملیات انجام نشد: {detail}</translation>
    </message>
    <message>
        <source>Logging in with this national card is not possible in this app: a website can trust it only after the registry&apos;s card-authentication service has checked the chip, and this app is not connected to that service. Nothing was sent to the website.</source>
        <translation>ورود با این کارت ملی در این برنامه ممکن نیست: وب‌سایت فقط وقتی می‌تواند به آن اعتماد کند که سرویس احراز کارت ثبت احوال تراشه را بررسی کرده باشد، و این برنامه به آن سرویس وصل نیست. چیزی برای وب‌سایت فرستاده نشد.</translation>
    </message>
    <message>
        <source>The service desk cannot record this national card: its records need the chip to answer the desk&apos;s own challenge, which a real national card does only through the registry&apos;s card-authentication service. Use “My card” to read it; the reading says what could and could not be checked.</source>
        <translation>باجهٔ خدمات نمی‌تواند این کارت ملی را ثبت کند: سوابق باجه لازم دارند که تراشه به پرسش خود باجه پاسخ دهد، و کارت ملی واقعی این کار را فقط از راه سرویس احراز کارت ثبت احوال انجام می‌دهد. برای خواندن آن از «کارت من» استفاده کنید؛ نتیجه می‌گوید چه چیزی بررسی شد و چه چیزی نه.</translation>
    </message>
    <message>
        <source>This card can do that only through the registry&apos;s card-authentication service, which this app is not connected to.</source>
        <translation>این کارت این کار را فقط از راه سرویس احراز کارت ثبت احوال انجام می‌دهد، و این برنامه به آن سرویس وصل نیست.</translation>
    </message>
    <message>
        <source>This card cannot do that here: how the card does it has not been made public.</source>
        <translation>این کارت این کار را اینجا انجام نمی‌دهد: روش انجام آن در کارت منتشر نشده است.</translation>
    </message>
    <message>
        <source>This card cannot do that here.</source>
        <translation>این کارت این کار را اینجا انجام نمی‌دهد.</translation>
    </message>
    <message>
        <source>Wrong ID PIN. Last try: if the next one is wrong too, the ID PIN will be blocked.</source>
        <translation>رمز اول اشتباه است. آخرین فرصت: اگر رمز بعدی هم اشتباه باشد، رمز اول مسدود می‌شود.</translation>
    </message>
    <message>
        <source>Wrong ID PIN. {n} tries left.</source>
        <translation>رمز اول اشتباه است. {n} بار فرصت باقی است.</translation>
    </message>
    <message>
        <source>Your ID PIN is blocked: only your PUK can unblock it. You can still read the card without the PIN.</source>
        <translation>رمز اول شما مسدود است: فقط با کد PUK باز می‌شود. هنوز می‌توانید کارت را بدون رمز بخوانید.</translation>
    </message>
    <message>
        <source>Last try: if this PIN is wrong, your ID PIN will be blocked.</source>
        <translation>آخرین فرصت: اگر این رمز اشتباه باشد، رمز اول شما مسدود می‌شود.</translation>
    </message>
    <message>
        <source>Enter your ID PIN (first PIN)</source>
        <translation>رمز اول کارت را وارد کنید</translation>
    </message>
    <message>
        <source>Your national card&apos;s first PIN, 4 to 8 digits (unless you changed it, the last 4 digits of your national code). With it the app checks the PIN and, with the registry&apos;s service, the chip. It is optional: Skip reads the card without it.</source>
        <translation>رمز اول کارت ملی شما، ۴ تا ۸ رقم (اگر آن را عوض نکرده باشید، ۴ رقم آخر کد ملی). با آن برنامه رمز را و، با سرویس ثبت احوال، تراشه را بررسی می‌کند. وارد کردن آن اختیاری است: «رد شدن» کارت را بدون رمز می‌خواند.</translation>
    </message>
    <message>
        <source>Your national card&apos;s first PIN, 4 to 8 digits (unless you changed it, the last 4 digits of your national code).</source>
        <translation>رمز اول کارت ملی شما، ۴ تا ۸ رقم (اگر آن را عوض نکرده باشید، ۴ رقم آخر کد ملی).</translation>
    </message>
    <message>
        <source>Wrong PIN. Your PIN is now suspended: enter your CAN, then you can try your PIN once more.</source>
        <translation>پین اشتباه است. پین شما اکنون معلق شد: کد CAN را وارد کنید، سپس می‌توانید یک بار دیگر پین را امتحان کنید.</translation>
    </message>
    <message>
        <source>Wrong CAN. Check the 6 digits printed on your card.</source>
        <translation>کد CAN اشتباه است. شش رقم چاپ‌شده روی کارت را بررسی کنید.</translation>
    </message>
    <message>
        <source>Enter your CAN</source>
        <translation>کد CAN را وارد کنید</translation>
    </message>
    <message>
        <source>Your PIN is suspended after two wrong tries. The CAN is the 6-digit number printed on the front of your card, where the picture shows.</source>
        <translation>پین شما پس از دو بار اشتباه معلق شده است. کد CAN عددی شش‌رقمی است که روی کارت شما، همان جایی که تصویر نشان می‌دهد، چاپ شده است.</translation>
    </message>
    <message>
        <source>1 PIN try left after the CAN</source>
        <translation>پس از کد CAN، یک بار فرصت برای پین باقی است</translation>
    </message>
    <message>
        <source>Wrong PIN. Your PIN is now blocked: only your PUK can unblock it.</source>
        <translation>پین اشتباه است. پین شما اکنون مسدود شد: فقط کد PUK می‌تواند آن را باز کند.</translation>
    </message>
    <message>
        <source>Wrong PUK. It can be used {n} more times.</source>
        <translation>کد PUK اشتباه است. {n} بار دیگر می‌توان از آن استفاده کرد.</translation>
    </message>
    <message>
        <source>Enter your PUK</source>
        <translation>کد PUK را وارد کنید</translation>
    </message>
    <message>
        <source>Your PIN is blocked. Enter the 8-digit PUK from the letter that came with your card; your PIN stays the same and gets 3 tries again.</source>
        <translation>پین شما مسدود است. کد هشت‌رقمی PUK را از نامه‌ای که همراه کارت آمده وارد کنید؛ پین شما تغییر نمی‌کند و دوباره سه بار فرصت خواهد داشت.</translation>
    </message>
    <message>
        <source>The PUK can be used {n} more times</source>
        <translation>کد PUK را {n} بار دیگر می‌توان به کار برد</translation>
    </message>
    <message>
        <source>Enter the 6-digit PIN of your card.</source>
        <translation>پین شش‌رقمی کارت خود را وارد کنید.</translation>
    </message>
    <message>
        <source>Wrong PIN. 2 tries left: if the next PIN is wrong too, your PIN will be suspended and you will need the CAN printed on your card.</source>
        <translation>پین اشتباه است. دو بار فرصت باقی است: اگر پین بعدی هم اشتباه باشد، پین شما معلق می‌شود و به کد CAN چاپ‌شده روی کارت نیاز خواهید داشت.</translation>
    </message>
    <message>
        <source>Wrong PIN. {n} tries left.</source>
        <translation>پین اشتباه است. {n} بار فرصت باقی است.</translation>
    </message>
    <message>
        <source>2 tries left: if this PIN is wrong, your PIN will be suspended and you will need the CAN printed on your card.</source>
        <translation>دو بار فرصت باقی است: اگر این پین اشتباه باشد، پین شما معلق می‌شود و به کد CAN چاپ‌شده روی کارت نیاز خواهید داشت.</translation>
    </message>
    <message>
        <source>Last try: if this PIN is wrong, your PIN will be blocked and only your PUK can unblock it.</source>
        <translation>آخرین فرصت: اگر این پین اشتباه باشد، پین شما مسدود می‌شود و فقط کد PUK می‌تواند آن را باز کند.</translation>
    </message>
    <message>
        <source>1 try left</source>
        <extracomment>The warning line (red), empty when there is nothing to warn about.</extracomment>
        <translation>یک بار فرصت باقی است</translation>
    </message>
    <message>
        <source>{n} tries left</source>
        <translation>{n} بار فرصت باقی است</translation>
    </message>
    <message>
        <source>Your PIN is unblocked and has 3 tries again.</source>
        <translation>پین شما باز شد و دوباره سه بار فرصت دارد.</translation>
    </message>
    <message>
        <source>Enter your PIN</source>
        <translation>پین خود را وارد کنید</translation>
    </message>
</context>
<context>
    <name>NidCardView</name>
    <message>
        <source>The card&apos;s certificate and chip were verified</source>
        <translation>گواهی و تراشهٔ کارت تأیید شد</translation>
    </message>
    <message>
        <source>Read, but not everything could be verified</source>
        <translation>خوانده شد، اما همه چیز تأیید نشد</translation>
    </message>
    <message>
        <source>Card: {family}, chip type {chip}</source>
        <translation>کارت: {family}، نوع تراشه {chip}</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>نامعلوم</translation>
    </message>
    <message>
        <source>No certificate could be read</source>
        <translation>هیچ گواهی‌ای خوانده نشد</translation>
    </message>
    <message>
        <source>Certificate number {n}</source>
        <translation>شمارهٔ گواهی {n}</translation>
    </message>
    <message>
        <source>Card serial number {csn} · card registration number {crn}</source>
        <translation>شمارهٔ سریال کارت {csn} · شمارهٔ ثبت کارت {crn}</translation>
    </message>
    <message>
        <source>Certificate valid until {date}</source>
        <translation>گواهی معتبر تا {date}</translation>
    </message>
    <message>
        <source>Card issued {issue}, expires {expiry}</source>
        <translation>صدور کارت {issue}، انقضا {expiry}</translation>
    </message>
    <message>
        <source>Assurance level {n}</source>
        <translation>سطح اطمینان {n}</translation>
    </message>
    <message>
        <source>The certificate chain names no assurance level</source>
        <translation>زنجیرهٔ گواهی سطح اطمینانی را نام نمی‌برد</translation>
    </message>
    <message>
        <source>Certificate chain: {result}</source>
        <translation>زنجیرهٔ گواهی: {result}</translation>
    </message>
    <message>
        <source>Signed by the registry: {name}, national code {code}, father&apos;s name {father}, born {born}</source>
        <translation>امضاشده توسط ثبت احوال: {name}، کد ملی {code}، نام پدر {father}، تولد {born}</translation>
    </message>
    <message>
        <source>ID PIN: accepted by the card</source>
        <translation>رمز اول: کارت آن را پذیرفت</translation>
    </message>
    <message>
        <source>ID PIN: not entered</source>
        <translation>رمز اول: وارد نشد</translation>
    </message>
</context>
<context>
    <name>PinPadPage</name>
    <message>
        <source>OK</source>
        <translation>تأیید</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>انصراف</translation>
    </message>
    <message>
        <source>Skip: read without the PIN</source>
        <translation>رد شدن: خواندن بدون رمز</translation>
    </message>
    <message>
        <source>Type with the keyboard (Persian or Latin digits) or the keys on the screen.</source>
        <translation>با صفحه‌کلید (رقم فارسی یا لاتین) یا دکمه‌های روی صفحه وارد کنید.</translation>
    </message>
    <message>
        <source>ID PIN ({low} to {high} digits)</source>
        <translation>رمز اول ({low} تا {high} رقم)</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>پین</translation>
    </message>
    <message>
        <source>CAN</source>
        <translation>کد CAN</translation>
    </message>
    <message>
        <source>PUK</source>
        <translation>کد PUK</translation>
    </message>
    <message>
        <source>{name} ({n} digits)</source>
        <translation>{name} ({n} رقم)</translation>
    </message>
</context>
<context>
    <name>PinsPage</name>
    <message>
        <source>Your PINs</source>
        <extracomment>The card family (a real national card&apos;s ID PIN is unblocked with `idcard pin unblock`).</extracomment>
        <translation>پین‌های شما</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>بررسی دوباره</translation>
    </message>
    <message>
        <source>Change PIN</source>
        <translation>تغییر پین</translation>
    </message>
    <message>
        <source>Current PIN</source>
        <translation>پین فعلی</translation>
    </message>
    <message>
        <source>New PIN (6 digits)</source>
        <translation>پین جدید (۶ رقم)</translation>
    </message>
    <message>
        <source>New PIN again</source>
        <translation>تکرار پین جدید</translation>
    </message>
    <message>
        <source>Change signature PIN</source>
        <translation>تغییر پین امضا</translation>
    </message>
    <message>
        <source>CAN (on your card)</source>
        <translation>کد CAN (روی کارت)</translation>
    </message>
    <message>
        <source>Current signature PIN</source>
        <translation>پین امضای فعلی</translation>
    </message>
    <message>
        <source>New signature PIN (5–12 digits)</source>
        <translation>پین امضای جدید (۵ تا ۱۲ رقم)</translation>
    </message>
    <message>
        <source>New signature PIN again</source>
        <translation>تکرار پین امضای جدید</translation>
    </message>
    <message>
        <source>Put your card on the reader to see how many PIN tries are left.</source>
        <translation>کارت را روی کارت‌خوان بگذارید تا ببینید چند بار فرصت برای پین باقی است.</translation>
    </message>
    <message>
        <source>Your ID PIN is blocked: only your PUK can unblock it.</source>
        <translation>رمز اول شما مسدود است: فقط با کد PUK باز می‌شود.</translation>
    </message>
    <message>
        <source>Your PIN is blocked. Use “Read my card” to unblock it with your PUK.</source>
        <translation>پین شما مسدود است. از «خواندن کارت من» استفاده کنید تا با کد PUK آن را باز کنید.</translation>
    </message>
    <message>
        <source>Your PIN is suspended. Use “Read my card” to enter your CAN and try once more.</source>
        <translation>پین شما معلق است. از «خواندن کارت من» استفاده کنید تا کد CAN را وارد کنید و یک بار دیگر امتحان کنید.</translation>
    </message>
    <message>
        <source>PIN: 1 try left</source>
        <translation>پین: یک بار فرصت باقی است</translation>
    </message>
    <message>
        <source>PIN: {n} tries left</source>
        <translation>پین: {n} بار فرصت باقی است</translation>
    </message>
    <message>
        <source>Your PUK can be used {n} more times.</source>
        <translation>کد PUK شما را {n} بار دیگر می‌توان به کار برد.</translation>
    </message>
    <message>
        <source>Fill in all three fields: each PIN has 6 digits.</source>
        <translation>هر سه خانه را پر کنید: هر پین ۶ رقم دارد.</translation>
    </message>
    <message>
        <source>The two new PINs are not the same.</source>
        <translation>دو پین جدید یکسان نیستند.</translation>
    </message>
    <message>
        <source>Fill in all four fields: the CAN has 6 digits, a signature PIN 5 to 12.</source>
        <translation>هر چهار خانه را پر کنید: کد CAN ۶ رقم و پین امضا ۵ تا ۱۲ رقم دارد.</translation>
    </message>
    <message>
        <source>The two new signature PINs are not the same.</source>
        <translation>دو پین امضای جدید یکسان نیستند.</translation>
    </message>
</context>
<context>
    <name>Receipt</name>
    <message>
        <source>Name</source>
        <translation>نام</translation>
    </message>
    <message>
        <source>Name (Latin)</source>
        <translation>نام (لاتین)</translation>
    </message>
    <message>
        <source>National code</source>
        <translation>کد ملی</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>تاریخ تولد</translation>
    </message>
    <message>
        <source>Card number</source>
        <translation>شماره کارت</translation>
    </message>
    <message>
        <source>Valid until</source>
        <translation>اعتبار تا</translation>
    </message>
    <message>
        <source>Verified: the card and its data are genuine</source>
        <translation>تأیید شد: کارت و اطلاعات آن اصل است</translation>
    </message>
    <message>
        <source>Not verified</source>
        <translation>تأیید نشد</translation>
    </message>
    <message>
        <source>The QR code holds this record&apos;s SHA-256 hash. The record&apos;s evidence bundle (JSON) can be checked offline against it.</source>
        <translation>کد QR چکیدهٔ SHA-256 این سابقه را در خود دارد. بستهٔ شواهد این سابقه (JSON) را می‌توان بدون اینترنت با آن بررسی کرد.</translation>
    </message>
    <message>
        <source>Identity verification receipt</source>
        <translation>رسید احراز هویت</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>زمان</translation>
    </message>
    <message>
        <source>Desk</source>
        <translation>باجه</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>متصدی</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>هدف</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>شناسهٔ سابقه</translation>
    </message>
    <message>
        <source>Identity check</source>
        <translation>احراز هویت</translation>
    </message>
    <message>
        <source>Identity check with photo</source>
        <translation>احراز هویت با عکس</translation>
    </message>
    <message>
        <source>Document check</source>
        <translation>بررسی مدرک</translation>
    </message>
</context>
<context>
    <name>SignPage</name>
    <message>
        <source>Sign a document</source>
        <translation>امضای سند</translation>
    </message>
    <message>
        <source>Your card signs the file with your signing key. The signature is saved beside the file as a .p7s file; the file itself is not changed.</source>
        <translation>کارت شما فایل را با کلید امضای شما امضا می‌کند. امضا در فایلی با پسوند p7s کنار همان فایل ذخیره می‌شود و خود فایل تغییر نمی‌کند.</translation>
    </message>
    <message>
        <source>File</source>
        <translation>فایل</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>انتخاب…</translation>
    </message>
    <message>
        <source>CAN (on your card)</source>
        <translation>کد CAN (روی کارت)</translation>
    </message>
    <message>
        <source>Signature PIN</source>
        <translation>پین امضا</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>امضا</translation>
    </message>
    <message>
        <source>The file to sign</source>
        <translation>فایلی که امضا می‌شود</translation>
    </message>
    <message>
        <source>Choose the file to sign</source>
        <translation>فایل مورد نظر برای امضا را انتخاب کنید</translation>
    </message>
    <message>
        <source>Choose a file to sign.</source>
        <translation>فایلی برای امضا انتخاب کنید.</translation>
    </message>
    <message>
        <source>Enter the 6-digit CAN and your signature PIN (5 to 12 digits).</source>
        <translation>کد شش‌رقمی CAN و پین امضای خود (۵ تا ۱۲ رقم) را وارد کنید.</translation>
    </message>
</context>
<context>
    <name>Steps</name>
    <message>
        <source>Contacting the portal…</source>
        <translation>در حال ارتباط با درگاه…</translation>
    </message>
    <message>
        <source>Waiting for your consent…</source>
        <translation>در انتظار موافقت شما…</translation>
    </message>
    <message>
        <source>Connecting to your card…</source>
        <translation>در حال اتصال به کارت شما…</translation>
    </message>
    <message>
        <source>Waiting for your PIN…</source>
        <translation>در انتظار پین شما…</translation>
    </message>
    <message>
        <source>Unlocking your card…</source>
        <translation>در حال باز کردن کارت شما…</translation>
    </message>
    <message>
        <source>Reading your card…</source>
        <translation>در حال خواندن کارت شما…</translation>
    </message>
    <message>
        <source>Reading and signing with your card…</source>
        <translation>در حال خواندن و امضا با کارت شما…</translation>
    </message>
    <message>
        <source>Signing with your card…</source>
        <translation>در حال امضا با کارت شما…</translation>
    </message>
    <message>
        <source>Checking the data…</source>
        <translation>در حال بررسی اطلاعات…</translation>
    </message>
    <message>
        <source>Sending to the portal…</source>
        <translation>در حال ارسال به درگاه…</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>در حال ذخیره…</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>انجام شد</translation>
    </message>
</context>
<context>
    <name>Verdict</name>
    <message>
        <source>document data</source>
        <translation>اطلاعات مدرک</translation>
    </message>
    <message>
        <source>photo</source>
        <translation>عکس</translation>
    </message>
    <message>
        <source>personal details</source>
        <translation>مشخصات فردی</translation>
    </message>
    <message>
        <source>issuance details</source>
        <translation>اطلاعات صدور</translation>
    </message>
    <message>
        <source>chip keys</source>
        <translation>کلیدهای تراشه</translation>
    </message>
    <message>
        <source>data group {n}</source>
        <translation>گروه دادهٔ {n}</translation>
    </message>
    <message>
        <source>Data on the chip was changed after the registry signed it ({what}).</source>
        <translation>اطلاعات روی تراشه پس از امضای سازمان ثبت احوال تغییر کرده است ({what}).</translation>
    </message>
    <message>
        <source>The registry&apos;s signature on the data is not valid.</source>
        <translation>امضای سازمان ثبت احوال روی اطلاعات معتبر نیست.</translation>
    </message>
    <message>
        <source>The registry&apos;s signing certificate is not valid at this date.</source>
        <translation>گواهی امضای سازمان ثبت احوال در این تاریخ معتبر نیست.</translation>
    </message>
    <message>
        <source>The issuer is not in this app&apos;s list of trusted issuers.</source>
        <translation>صادرکننده در فهرست صادرکنندگان مورد اعتماد این برنامه نیست.</translation>
    </message>
    <message>
        <source>The data was signed by an unknown or false issuer.</source>
        <translation>اطلاعات را صادرکننده‌ای ناشناس یا جعلی امضا کرده است.</translation>
    </message>
    <message>
        <source>The registry&apos;s signing certificate is revoked, or its revocation list is unreadable.</source>
        <translation>گواهی امضای سازمان ثبت احوال باطل شده یا فهرست ابطال آن خوانا نیست.</translation>
    </message>
    <message>
        <source>Some data on the card cannot be read.</source>
        <translation>بخشی از اطلاعات کارت خوانده نمی‌شود.</translation>
    </message>
    <message>
        <source>The chip&apos;s genuineness could not be checked.</source>
        <translation>اصالت تراشه بررسی نشد.</translation>
    </message>
    <message>
        <source>The chip could not prove it is the original chip; it may be a copy.</source>
        <translation>تراشه نتوانست ثابت کند که تراشهٔ اصلی است؛ ممکن است کپی باشد.</translation>
    </message>
    <message>
        <source>The check digits of the document data are wrong.</source>
        <translation>رقم‌های کنترلی اطلاعات مدرک نادرست است.</translation>
    </message>
    <message>
        <source>The national code on the card is not a valid national code.</source>
        <translation>کد ملی روی کارت، کد ملی معتبری نیست.</translation>
    </message>
    <message>
        <source>The card has expired or its expiry date cannot be read.</source>
        <translation>اعتبار کارت تمام شده یا تاریخ انقضای آن خوانده نمی‌شود.</translation>
    </message>
    <message>
        <source>The card&apos;s certificate is not valid at this date.</source>
        <translation>گواهی کارت در این تاریخ معتبر نیست.</translation>
    </message>
    <message>
        <source>The card&apos;s certificate was not issued by a trusted authority.</source>
        <translation>گواهی کارت را مرجع مورد اعتمادی صادر نکرده است.</translation>
    </message>
    <message>
        <source>The card&apos;s certificate chain does not verify.</source>
        <translation>زنجیرهٔ گواهی کارت تأیید نمی‌شود.</translation>
    </message>
    <message>
        <source>The card&apos;s certificate names another national code.</source>
        <translation>گواهی کارت به کد ملی دیگری تعلق دارد.</translation>
    </message>
    <message>
        <source>The card&apos;s certificate cannot be read.</source>
        <translation>گواهی کارت خوانده نمی‌شود.</translation>
    </message>
    <message>
        <source>Check {code} did not pass.</source>
        <translation>بررسی {code} موفق نبود.</translation>
    </message>
    <message>
        <source>Unchanged since issue: {what}</source>
        <translation>بدون تغییر از زمان صدور: {what}</translation>
    </message>
    <message>
        <source>Registry&apos;s signature on the data</source>
        <translation>امضای سازمان ثبت احوال روی اطلاعات</translation>
    </message>
    <message>
        <source>Security object readable</source>
        <translation>خوانا بودن شیء امنیتی</translation>
    </message>
    <message>
        <source>Registry&apos;s signing certificate valid</source>
        <translation>اعتبار گواهی امضای سازمان ثبت احوال</translation>
    </message>
    <message>
        <source>Signing certificate issued by a trusted registry</source>
        <translation>صدور گواهی امضا از سوی مرجع مورد اعتماد</translation>
    </message>
    <message>
        <source>Signing certificate not revoked</source>
        <translation>باطل نبودن گواهی امضا</translation>
    </message>
    <message>
        <source>Card data readable</source>
        <translation>خوانا بودن اطلاعات کارت</translation>
    </message>
    <message>
        <source>Photo readable</source>
        <translation>خوانا بودن عکس</translation>
    </message>
    <message>
        <source>Genuine chip (active authentication)</source>
        <translation>اصالت تراشه (احراز اصالت فعال)</translation>
    </message>
    <message>
        <source>Genuine chip (chip authentication)</source>
        <translation>اصالت تراشه (احراز اصالت تراشه)</translation>
    </message>
    <message>
        <source>Genuine chip (PACE-CAM)</source>
        <translation>اصالت تراشه (PACE-CAM)</translation>
    </message>
    <message>
        <source>Genuine chip</source>
        <translation>اصالت تراشه</translation>
    </message>
    <message>
        <source>Document data check digits</source>
        <translation>رقم‌های کنترلی اطلاعات مدرک</translation>
    </message>
    <message>
        <source>National code check digit</source>
        <translation>رقم کنترلی کد ملی</translation>
    </message>
    <message>
        <source>Card not expired</source>
        <translation>منقضی نبودن کارت</translation>
    </message>
    <message>
        <source>Card certificate valid</source>
        <translation>اعتبار گواهی کارت</translation>
    </message>
    <message>
        <source>Card certificate issued by a trusted authority</source>
        <translation>صدور گواهی کارت از سوی مرجع مورد اعتماد</translation>
    </message>
    <message>
        <source>Card certificate names the same national code</source>
        <translation>یکسان بودن کد ملی در گواهی کارت</translation>
    </message>
    <message>
        <source>Card certificate readable</source>
        <translation>خوانا بودن گواهی کارت</translation>
    </message>
    <message>
        <source>Record unchanged since it was saved</source>
        <translation>بدون تغییر ماندن سابقه از زمان ثبت</translation>
    </message>
    <message>
        <source>Chip signed this desk&apos;s challenge</source>
        <translation>امضای چالش این باجه با تراشه</translation>
    </message>
    <message>
        <source>Stored identity matches the chip data</source>
        <translation>یکسان بودن هویت ثبت‌شده با اطلاعات تراشه</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>موفق</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>ناموفق</translation>
    </message>
    <message>
        <source>untrusted</source>
        <translation>غیرقابل اعتماد</translation>
    </message>
    <message>
        <source>not performed</source>
        <translation>انجام نشد</translation>
    </message>
    <message>
        <source>Issued by the TEST registry (demo) — verified</source>
        <translation>صادرشده از مرجع آزمایشی — تأیید شد</translation>
    </message>
    <message>
        <source>TEST certificates (demo): not a verification against the national registry</source>
        <translation>گواهی‌های آزمایشی (TEST، نمایشی): این تأیید در برابر مرجع ملی نیست</translation>
    </message>
    <message>
        <source>Issued by the national registry — verified</source>
        <translation>صادرشده از سوی سازمان ثبت احوال — تأیید شد</translation>
    </message>
    <message>
        <source>Not verified as issued by the national registry</source>
        <translation>صدور از سوی سازمان ثبت احوال تأیید نشد</translation>
    </message>
    <message>
        <source>A required check is missing.</source>
        <translation>یکی از بررسی‌های لازم انجام نشده است.</translation>
    </message>
    <message>
        <source>Genuine chip — verified</source>
        <translation>تراشهٔ اصل — تأیید شد</translation>
    </message>
    <message>
        <source>Chip not genuine</source>
        <translation>تراشه اصل نیست</translation>
    </message>
    <message>
        <source>Chip genuineness not checked</source>
        <translation>اصالت تراشه بررسی نشد</translation>
    </message>
    <message>
        <source>Card valid until {date}</source>
        <translation>کارت تا {date} معتبر است</translation>
    </message>
    <message>
        <source>Card data not valid</source>
        <translation>اطلاعات کارت معتبر نیست</translation>
    </message>
    <message>
        <source>The card&apos;s data cannot be read.</source>
        <translation>اطلاعات کارت خوانده نمی‌شود.</translation>
    </message>
    <message>
        <source>No certificate on this card</source>
        <translation>این کارت گواهی ندارد</translation>
    </message>
    <message>
        <source>This card has no certificate for logging in or signing.</source>
        <translation>این کارت گواهی‌ای برای ورود یا امضا ندارد.</translation>
    </message>
    <message>
        <source>Certificate valid until {date}</source>
        <translation>گواهی تا {date} معتبر است</translation>
    </message>
    <message>
        <source>Certificate not valid</source>
        <translation>گواهی معتبر نیست</translation>
    </message>
    <message>
        <source>Not verified</source>
        <translation>تأیید نشد</translation>
    </message>
    <message>
        <source>The certificate on this card was read, but the chip was not checked: the registry&apos;s card check needs your ID PIN. Read the card again and enter it.</source>
        <translation>گواهی این کارت خوانده شد، اما تراشه بررسی نشد: بررسی کارت ثبت احوال به رمز اول شما نیاز دارد. کارت را دوباره بخوانید و رمز را وارد کنید.</translation>
    </message>
    <message>
        <source>The certificate on this card was read, but whether the chip itself is genuine could not be checked here: that needs the registry&apos;s card-authentication service. A copied chip would look the same.</source>
        <translation>گواهی این کارت خوانده شد، اما اصالت خود تراشه اینجا بررسی نشد: این کار به سرویس احراز کارت ثبت احوال نیاز دارد. تراشهٔ کپی‌شده هم همین‌طور دیده می‌شود.</translation>
    </message>
    <message>
        <source>This chip failed the registry&apos;s card check: it may be a copy. Do not rely on this card.</source>
        <translation>این تراشه از بررسی کارت ثبت احوال رد شد: شاید کپی باشد. به این کارت اعتماد نکنید.</translation>
    </message>
</context>
<context>
    <name>VerdictDialog</name>
    <message>
        <source>Checks and certificates</source>
        <translation>بررسی‌ها و گواهی‌ها</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>بررسی</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>نتیجه</translation>
    </message>
    <message>
        <source>Technical details</source>
        <translation>جزئیات فنی</translation>
    </message>
    <message>
        <source>Checks</source>
        <translation>بررسی‌ها</translation>
    </message>
    <message>
        <source>Certificates</source>
        <translation>گواهی‌ها</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>بستن</translation>
    </message>
    <message>
        <source>Who signed the data on the chip</source>
        <translation>امضاکنندهٔ اطلاعات روی تراشه</translation>
    </message>
    <message>
        <source>Document signer</source>
        <translation>امضاکنندهٔ مدرک</translation>
    </message>
    <message>
        <source>Country signing CA</source>
        <translation>مرجع امضای کشوری (CSCA)</translation>
    </message>
    <message>
        <source>The card&apos;s own certificate (for logging in)</source>
        <translation>گواهی خود کارت (برای ورود)</translation>
    </message>
    <message>
        <source>Card holder</source>
        <translation>دارندهٔ کارت</translation>
    </message>
    <message>
        <source>Issuing CA</source>
        <translation>مرجع صادرکننده</translation>
    </message>
    <message>
        <source>Root CA</source>
        <translation>مرجع ریشه</translation>
    </message>
    <message>
        <source>This card has no certificate for logging in.</source>
        <translation>این کارت گواهی‌ای برای ورود ندارد.</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>نقش</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>دارنده</translation>
    </message>
    <message>
        <source>Valid</source>
        <translation>اعتبار</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>وضعیت</translation>
    </message>
</context>
</TS>
