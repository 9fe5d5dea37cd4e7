/**
 * The tested example rows of docs/imsg-protocol.md#example-rows (dates 2026-05-01 12:00–12:09 UTC): two chats, a DM
 * exchange, a group message with a tapback and an inline reply, an attachment and an attributedBody-only row.
 */
export const exampleChatDbSql = `
INSERT INTO handle (ROWID,id,country,service) VALUES
 (1,'+15551234567','us','iMessage'),(2,'jane@example.com','us','iMessage'),(3,'+15559876543','us','iMessage');
INSERT INTO chat (ROWID,guid,style,chat_identifier,service_name,display_name,account_id,account_login,last_addressed_handle) VALUES
 (1,'iMessage;-;+15551234567',45,'+15551234567','iMessage',NULL,'E:me@icloud.com','E:me@icloud.com','+15550001111'),
 (2,'iMessage;+;chat123456789012345678',43,'chat123456789012345678','iMessage','Weekend Crew','E:me@icloud.com','E:me@icloud.com','me@icloud.com');
INSERT INTO chat_handle_join (chat_id,handle_id) VALUES (1,1),(2,2),(2,3);
-- (a) DM text: inbound, then outbound (outbound keeps handle_id = the other party)
INSERT INTO message (ROWID,guid,text,handle_id,service,date,is_from_me,is_delivered,is_finished)
 VALUES (1,'0B6E1C2A-1111-4C3B-9F00-000000000001','Are we still on for lunch?',1,'iMessage',799329600000000000,0,1,1);
INSERT INTO message (ROWID,guid,text,handle_id,service,date,is_from_me,is_sent,is_delivered,is_finished,destination_caller_id)
 VALUES (2,'0B6E1C2A-1111-4C3B-9F00-000000000002','Yes, 12:30 works',1,'iMessage',799329690000000000,1,1,1,1,'+15550001111');
INSERT INTO chat_message_join (chat_id,message_id,message_date) VALUES (1,1,799329600000000000),(1,2,799329690000000000);
-- (b) group message, inbound
INSERT INTO message (ROWID,guid,text,handle_id,service,date,is_from_me,is_finished)
 VALUES (3,'0B6E1C2A-1111-4C3B-9F00-000000000003','Who''s bringing snacks?',2,'iMessage',799329900000000000,0,1);
INSERT INTO chat_message_join (chat_id,message_id,message_date) VALUES (2,3,799329900000000000);
-- (c) outbound group message with attachment (handle_id 0, text U+FFFC)
INSERT INTO message (ROWID,guid,text,handle_id,service,date,is_from_me,is_sent,is_finished,cache_has_attachments,destination_caller_id)
 VALUES (4,'0B6E1C2A-1111-4C3B-9F00-000000000004',char(65532),0,'iMessage',799329960000000000,1,1,1,1,'me@icloud.com');
INSERT INTO chat_message_join (chat_id,message_id,message_date) VALUES (2,4,799329960000000000);
INSERT INTO attachment (ROWID,guid,original_guid,created_date,filename,uti,mime_type,transfer_name,total_bytes,is_sticker,is_outgoing,transfer_state)
 VALUES (1,'AT_0_0B6E1C2A-ATT1','AT_0_0B6E1C2A-ATT1',799329960,
  '~/Library/Messages/Attachments/4a/10/AT_0_0B6E1C2A-ATT1/IMG_0001.heic','public.heic','image/heic','IMG_0001.heic',1843200,0,1,5);
INSERT INTO message_attachment_join (message_id,attachment_id) VALUES (4,1);
-- (d) tapback: +15559876543 loves message 3
INSERT INTO message (ROWID,guid,text,handle_id,service,date,is_from_me,is_finished,associated_message_guid,associated_message_type,
  associated_message_range_location,associated_message_range_length)
 VALUES (5,'0B6E1C2A-1111-4C3B-9F00-000000000005','Loved “Who''s bringing snacks?”',3,'iMessage',799330020000000000,0,1,
  'p:0/0B6E1C2A-1111-4C3B-9F00-000000000003',2000,0,22);
INSERT INTO chat_message_join (chat_id,message_id,message_date) VALUES (2,5,799330020000000000);
-- (e) attributedBody-only inbound DM (text NULL) -> "See you there 👋"
INSERT INTO message (ROWID,guid,text,attributedBody,handle_id,service,date,is_from_me,is_finished)
 VALUES (6,'0B6E1C2A-1111-4C3B-9F00-000000000006',NULL,
 X'040B73747265616D747970656481E803840140848484124E5341747472696275746564537472696E67008484084E534F626A656374008592848484084E53537472696E67019484012B1253656520796F7520746865726520F09F918B86840269490110928484840C4E5344696374696F6E617279009484016901928496961D5F5F6B494D4D657373616765506172744174747269627574654E616D658692848484084E534E756D626572008484074E5356616C7565009484012A849B9B00868686',
 1,'iMessage',799330080000000000,0,1);
INSERT INTO chat_message_join (chat_id,message_id,message_date) VALUES (1,6,799330080000000000);
-- (f) inline reply in the group to message 3 (thread_originator_guid drives reply_to_text)
INSERT INTO message (ROWID,guid,text,handle_id,service,date,is_from_me,is_finished,reply_to_guid,thread_originator_guid,thread_originator_part)
 VALUES (7,'0B6E1C2A-1111-4C3B-9F00-000000000007','I will!',3,'iMessage',799330140000000000,0,1,
  '0B6E1C2A-1111-4C3B-9F00-000000000003','0B6E1C2A-1111-4C3B-9F00-000000000003','0:0:22');
INSERT INTO chat_message_join (chat_id,message_id,message_date) VALUES (2,7,799330140000000000);
`;
